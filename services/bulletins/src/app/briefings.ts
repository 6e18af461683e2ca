import {
  FailedPreconditionError,
  InvalidArgumentError,
  periodField,
  Violations,
  type Attribution,
  type ReceivedEvent,
  type ServiceKit,
} from "@jinlian/chassis";
import { CITY_JURISDICTION, jurisdictionName } from "@jinlian/kernel";
import {
  liaisonV1,
  type legalServicesEventsV1,
  type legislationEventsV1,
  type liaisonEventsV1,
  type mediationEventsV1,
} from "@jinlian/proto";
import type { Knex } from "knex";
import { compileBriefing, sumFigures, type BriefingFact, type BriefingFigures } from "../domain/briefing";
import type { OrganisationRef } from "../domain/bulletin";
import { factsBefore, keepFact } from "../persistence/briefing-facts";
import type { BulletinsApp, BulletinView } from "./bulletins-app";

type Range = { startTime?: Date | undefined; endTime?: Date | undefined } | undefined;

/**
 * At the city: the facts the districts' services send up, kept as they arrive (the latest of each
 * wins), and a draft 工作简报 compiled from them for a period through the ordinary draft use case.
 */
export class Briefings {
  constructor(
    private readonly kit: ServiceKit,
    private readonly bulletins: BulletinsApp,
  ) {}

  // ---- the facts, one handler per statistics event ----

  onMechanism(e: ReceivedEvent<liaisonEventsV1.MechanismStatusReported>, trx: Knex.Transaction): Promise<void> {
    const m = e.data.mechanism!;
    return keepFact(trx, {
      source: "liaison.mechanism",
      key: e.data.jurisdictionCode,
      jurisdictionCode: e.data.jurisdictionCode,
      at: m.statusSinceTime ?? e.time,
      periodEnd: null,
      seq: m.revision,
      figures: { established: m.status === liaisonV1.MechanismStatus.MECHANISM_STATUS_ESTABLISHED ? 1 : 0 },
    });
  }

  /** Reported, corrected or withdrawn: the activity at its latest revision (withdrawn counts nothing). */
  onActivity(e: ReceivedEvent<liaisonEventsV1.CampaignActivityReported>, trx: Knex.Transaction): Promise<void> {
    const a = e.data.activity!;
    return keepFact(trx, {
      source: "liaison.campaign-activity",
      key: a.activityId,
      jurisdictionCode: a.jurisdictionCode,
      at: a.heldTime ?? e.time,
      periodEnd: null,
      seq: a.revision,
      figures: a.withdrawn ? {} : { activities: 1, events: a.eventsHeld, audience: Number(a.audienceReached) },
    });
  }

  onReply(e: ReceivedEvent<legislationEventsV1.DistrictReplySent>, trx: Knex.Transaction): Promise<void> {
    return keepFact(trx, {
      source: "legislation.district-reply",
      key: `${e.data.roundId}:${e.data.jurisdictionCode}`,
      jurisdictionCode: e.data.jurisdictionCode,
      at: e.time,
      periodEnd: null,
      // A later reply to a reopened round replaces the earlier one.
      seq: e.time.getTime(),
      figures: { replies: 1, opinions: e.data.noOpinion ? 0 : e.data.opinions.length },
    });
  }

  onLegalServices(e: ReceivedEvent<legalServicesEventsV1.StatisticsReported>, trx: Knex.Transaction): Promise<void> {
    const s = e.data.statistics!;
    return keepFact(trx, {
      ...reportKey("legal-services.statistics", e.data.jurisdictionCode, s.period!, e.data.reportSeq),
      figures: {
        requests: s.requestsSubmitted,
        assigned: s.requestsAssigned,
        referredToMediation: s.referredToMediation,
        enterprisesChecked: s.enterprisesChecked,
      },
    });
  }

  onMediation(e: ReceivedEvent<mediationEventsV1.StatisticsReported>, trx: Knex.Transaction): Promise<void> {
    const s = e.data.statistics!;
    return keepFact(trx, {
      ...reportKey("mediation.statistics", e.data.jurisdictionCode, s.period!, e.data.reportSeq),
      figures: {
        casesOpened: s.casesOpened,
        agreements: s.agreementsWritten + s.agreementsOral,
        failed: s.casesFailed,
        referredToArbitration: s.referredToArbitration,
      },
    });
  }

  // ---- compiling ----

  /** The period's figures and a normal draft (工作简报) holding them, issued by `issuer`. */
  async compile(
    range: Range,
    issuer: OrganisationRef | undefined,
    jurisdictionCodes: string[],
    by: Attribution,
  ): Promise<{ bulletin: BulletinView; figures: BriefingFigures }> {
    const v = new Violations();
    const p = periodField(v, "period", range);
    if (!range?.startTime) v.add("period.start_time", "is required");
    if (!range?.endTime) v.add("period.end_time", "is required");
    v.throwIfAny();
    if (this.kit.here !== CITY_JURISDICTION)
      throw new FailedPreconditionError([
        {
          type: "BRIEFINGS_AT_CITY",
          subject: `node/${this.kit.here}`,
          description: "briefings are compiled at the city, where the districts' statistics arrive",
        },
      ]);
    const figures = sumFigures(await factsBefore(this.kit.db, p.until!), p.from!, p.until!);
    const { title, body } = compileBriefing({ from: p.from!, until: p.until! }, figures, (c) => jurisdictionName(c) || c);
    const bulletin = await this.bulletins
      .createDraft(
        {
          kind: "WORK_BRIEFING",
          issuer,
          title,
          body,
          mainAudience: { allDistricts: jurisdictionCodes.length === 0, jurisdictionCodes, organisations: [] },
          copyAudience: { allDistricts: false, jurisdictionCodes: [], organisations: [] },
          urgency: "ROUTINE",
          classification: "INTERNAL",
          acknowledgementWindowSeconds: null,
        },
        by,
      )
      .catch((err: unknown) => {
        // The draft names the recipients main_audience.jurisdiction_codes; this request names them
        // jurisdiction_codes, and a violation must name the caller's field.
        if (!(err instanceof InvalidArgumentError)) throw err;
        throw new InvalidArgumentError(
          err.violations.map((x) => ({ ...x, field: x.field.replace(/^main_audience\.jurisdiction_codes/, "jurisdiction_codes") })),
        );
      });
    return { bulletin, figures };
  }
}

function reportKey(
  source: BriefingFact["source"],
  jurisdictionCode: string,
  period: { startTime?: Date | undefined; endTime?: Date | undefined },
  seq: number,
) {
  return {
    source,
    key: `${jurisdictionCode}:${period.startTime!.toISOString()}:${period.endTime!.toISOString()}`,
    jurisdictionCode,
    at: period.startTime!,
    periodEnd: period.endTime!,
    seq,
  };
}
