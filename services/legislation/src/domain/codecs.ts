import { enumCodec } from "@jinlian/chassis";
import { legislationV1 } from "@jinlian/proto";
import { DRAFT_KINDS } from "./kinds";
import { SHORTER_WINDOW_REASONS } from "./window";

// Domain names <-> contract enums (events carry them, so they sit in the domain).
const P = legislationV1;
export const draftKindCodec = enumCodec(P.DraftKind, "DRAFT_KIND_", DRAFT_KINDS);
export const draftStatusCodec = enumCodec(P.DraftStatus, "DRAFT_STATUS_", ["DRAFTING", "UNDER_REVIEW"] as const);
export const planStatusCodec = enumCodec(P.PlanStatus, "PLAN_STATUS_", ["DRAFTING", "FIXED"] as const);
export const suggestionOutcomeCodec = enumCodec(P.SuggestionOutcome, "SUGGESTION_OUTCOME_", [
  "PENDING",
  "ACCEPTED",
  "NOT_ACCEPTED",
] as const);
export const windowUnitCodec = enumCodec(P.WindowUnit, "WINDOW_UNIT_", ["CALENDAR_DAYS", "WORKING_DAYS"] as const);
export const shorterWindowReasonCodec = enumCodec(P.ShorterWindowReason, "SHORTER_WINDOW_REASON_", SHORTER_WINDOW_REASONS);
export const adoptionOutcomeCodec = enumCodec(P.AdoptionOutcome, "ADOPTION_OUTCOME_", [
  "ADOPTED",
  "PARTLY_ADOPTED",
  "NOT_ADOPTED",
] as const);
export const roundOriginCodec = enumCodec(P.RoundOrigin, "ROUND_ORIGIN_", ["LOCAL", "CITY"] as const);
export const roundStatusCodec = enumCodec(P.RoundStatus, "ROUND_STATUS_", ["OPEN", "CLOSED"] as const);
export const positionFormationCodec = enumCodec(P.PositionFormation, "POSITION_FORMATION_", ["IDENTICAL", "MERGED", "SPLIT"] as const);
export const districtReplyStatusCodec = enumCodec(P.DistrictReplyStatus, "DISTRICT_REPLY_STATUS_", [
  "AWAITING",
  "REPLIED",
  "NO_OPINION",
  "OVERDUE",
] as const);
export const articleChangeCodec = enumCodec(P.ArticleChangeKind, "ARTICLE_CHANGE_KIND_", ["ADDED", "REMOVED", "MODIFIED"] as const);
export const studyKindCodec = enumCodec(P.StudyKind, "STUDY_KIND_", ["SYMPOSIUM", "SURVEY"] as const);
export const studyModeCodec = enumCodec(P.StudyMode, "STUDY_MODE_", ["JOINT", "COMMISSIONED"] as const);
export const studyStatusCodec = enumCodec(P.StudyStatus, "STUDY_STATUS_", ["PLANNED", "CONCLUDED", "CANCELLED"] as const);
