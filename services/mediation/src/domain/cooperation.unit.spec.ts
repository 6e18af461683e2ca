import { AbortedError, FailedPreconditionError, InvalidArgumentError, type EventToEmit } from "@jinlian/chassis";
import { withCheckCharacter } from "@jinlian/kernel";
import { mediationEventsV1, mediationV1 } from "@jinlian/proto";
import {
  decideConsent,
  decideOpen,
  decidePartnerSession,
  DEFAULT_CASE_POLICY,
  type Case,
  type CaseKind,
  type CaseStatus,
  type PartyRole,
} from "./case";
import type { Committee } from "./committee";
import type { DecisionContext } from "./common";
import {
  checkRequest,
  decideAnswer,
  decideOwnerAnswered,
  decideOwnerClose,
  decidePartnerReceived,
  decideRelay,
  decideReportSession,
  decideRequest,
  type CooperationCodecs,
} from "./cooperation";

const T0 = new Date("2026-05-10T02:00:00Z");
let ids = 0;
const ctx = (here = "120101"): DecisionContext => ({
  here,
  now: T0,
  newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, "0")}`,
  audit: { actor: "officer", reason: "", requestId: "rq", occurTime: T0, jurisdictionCode: here },
});
const P = mediationV1;
const kinds: CaseKind[] = ["PEOPLES", "COMMERCIAL"];
const roles: PartyRole[] = ["APPLICANT", "RESPONDENT"];
const statuses: CaseStatus[] = [
  "AWAITING_CONSENT",
  "IN_MEDIATION",
  "PAUSED",
  "AGREEMENT_SIGNING",
  "AGREED",
  "REFUSED",
  "ENDED_BY_PARTY",
  "FAILED",
];
const codecs: CooperationCodecs = {
  kindToProto: (k) => kinds.indexOf(k) + 1,
  kindFromProto: (n) => kinds[n - 1],
  roleToProto: (r) => roles.indexOf(r) + 1,
  roleFromProto: (n) => roles[n - 1],
  statusToProto: (s) => statuses.indexOf(s) + 1,
  statusFromProto: (n) => statuses[n - 1],
};
const A = withCheckCharacter("91120101MA0000001");
const PARTNER_COMMITTEE = withCheckCharacter("52120102MJ0000009");
const committee = {
  committeeId: "c0000000-0000-4000-8000-000000000001",
  committee: { creditCode: withCheckCharacter("52120101MJ0000003"), jurisdictionCode: "120101", name: "和平区总商会人民调解委员会" },
  termEndAt: new Date("2030-01-01T00:00:00Z"),
} as Committee;

function opened(): Case {
  return decideOpen(
    ctx().newId(),
    committee,
    {
      kind: "COMMERCIAL",
      parties: [
        { role: "APPLICANT", organisationCreditCode: A, person: undefined, consented: false },
        {
          role: "RESPONDENT",
          organisationCreditCode: "",
          person: { name: "刘某某", identityNumber: "11010519491231002X", phone: "138" },
          consented: false,
        },
      ],
      summary: "本案内部摘要：刘某某欠款",
      commercial: { feeFen: 0, feeNote: "" },
    },
    new Map([[A, { creditCode: A, jurisdictionCode: "120101", name: "和平某公司" }]]),
    DEFAULT_CASE_POLICY,
    ctx(),
  ).state;
}

const request = {
  partnerJurisdictionCode: "120102",
  partnerCommitteeCreditCode: PARTNER_COMMITTEE,
  sharedSummary: "被申请人住所在河东区，请协助调解",
  requestNote: "",
};
const payload = (e: EventToEmit) => e.data as never;

describe("cross-district cooperation", () => {
  it("sends only what the partner needs, up to the city, and the city passes it down to the partner", () => {
    const c = opened();
    const d = decideRequest("c1000000-0000-4000-8000-000000000001", c, checkRequest(request, "120101"), undefined, 0, codecs, ctx());
    expect(d.state).toMatchObject({
      role: "OWNER",
      status: "REQUESTED",
      personParties: 1,
      parties: [{ role: "APPLICANT", organisation: { creditCode: A } }],
    });
    const [e] = d.events as EventToEmit[];
    expect(e!.to).toEqual([{ node: "120000" }]);
    const wire = JSON.stringify(mediationEventsV1.CooperationRequested.toJSON(payload(e!)));
    for (const secret of ["刘某某", "11010519491231002X", "本案内部摘要", "officer"]) expect(wire).not.toContain(secret);
    expect(wire).toContain("请协助调解");

    const relay = decideRelay(undefined, { type: "requested", data: payload(e!) }, codecs, ctx("120000"));
    expect(relay.state).toMatchObject({ role: "RELAY", status: "REQUESTED", sharedSummary: "" });
    expect((relay.events as EventToEmit[]).map((x) => x.to)).toEqual([[{ node: "120102" }]]);
    expect((relay.events as EventToEmit[])[0]!.data).toBe(e!.data);
    // A redelivered request is not passed on twice.
    expect(decideRelay(relay.state, { type: "requested", data: payload(e!) }, codecs, ctx("120000")).events).toEqual([]);
  });

  it("refuses what cannot cooperate: bad partner, a final case, an open cooperation, a stale revision", () => {
    expect(() => checkRequest({ ...request, partnerJurisdictionCode: "120101" }, "120101")).toThrow(InvalidArgumentError);
    expect(() => checkRequest({ ...request, partnerJurisdictionCode: "120000" }, "120101")).toThrow(/16 district codes/);
    const c = opened();
    const refused = decideConsent(c, c.parties[0]!.partyId, false, "不同意", 0, ctx()).state;
    expect(() =>
      decideRequest("c1000000-0000-4000-8000-000000000002", refused, checkRequest(request, "120101"), undefined, 0, codecs, ctx()),
    ).toThrow(FailedPreconditionError);
    const first = decideRequest(
      "c1000000-0000-4000-8000-000000000001",
      c,
      checkRequest(request, "120101"),
      undefined,
      0,
      codecs,
      ctx(),
    ).state;
    expect(() =>
      decideRequest("c1000000-0000-4000-8000-000000000001", c, checkRequest(request, "120101"), first, 0, codecs, ctx()),
    ).toThrow(/COOPERATION_OPEN|already/);
    expect(() =>
      decideRequest("c1000000-0000-4000-8000-000000000001", c, checkRequest(request, "120101"), undefined, 5, codecs, ctx()),
    ).toThrow(AbortedError);
    expect(() =>
      decideRequest("c1000000-0000-4000-8000-000000000001", c, checkRequest(request, "120101"), undefined, 0, codecs, ctx("120000")),
    ).toThrow(/two districts/);
  });

  it("the partner answers and reports sessions; the owner's case file gets them; closing tells the partner", () => {
    const c = opened();
    const requested = decideRequest(
      "c1000000-0000-4000-8000-000000000001",
      c,
      checkRequest(request, "120101"),
      undefined,
      0,
      codecs,
      ctx(),
    );
    const wire = payload((requested.events as EventToEmit[])[0]!) as mediationEventsV1.CooperationRequested;
    // A partner node without that committee declines at once.
    const unknown = decidePartnerReceived(wire, undefined, codecs, ctx("120102"));
    expect(unknown.state.status).toBe("DECLINED");
    expect((unknown.events as EventToEmit[])[0]!.data).toMatchObject({
      accepted: false,
      answerNote: expect.stringContaining("not a committee registered"),
    });
    const partnerRef = { creditCode: PARTNER_COMMITTEE, jurisdictionCode: "120102", name: "河东区商会人民调解委员会" };
    let partner = decidePartnerReceived(wire, { committeeId: "p1", committee: partnerRef }, codecs, ctx("120102")).state;
    expect(partner).toMatchObject({ role: "PARTNER", status: "REQUESTED", kind: "COMMERCIAL", personParties: 1 });
    expect(() => decideReportSession(partner, { heldAt: undefined, place: "", record: "x" }, 0, ctx("120102"))).toThrow(
      /while the cooperation is accepted/,
    );
    expect(() => decideAnswer(partner, { accept: false, answerNote: "" }, 0, ctx("120102"))).toThrow(InvalidArgumentError);
    const answered = decideAnswer(partner, { accept: true, answerNote: "同意协助" }, 0, ctx("120102"));
    partner = { ...answered.state, revision: 2 };
    const answer = payload((answered.events as EventToEmit[])[0]!) as mediationEventsV1.CooperationAnswered;
    expect(answer).toMatchObject({ accepted: true, partnerCommittee: partnerRef });
    expect(() => decideAnswer(requested.state, { accept: true, answerNote: "" }, 0, ctx())).toThrow(/only the partner's node/);

    const owner = decideOwnerAnswered(requested.state, answer)!.state;
    expect(owner).toMatchObject({ status: "ACCEPTED", partnerCommittee: { name: "河东区商会人民调解委员会" } });
    expect(decideOwnerAnswered(owner, answer)).toBeUndefined();

    const reported = decideReportSession(partner, { heldAt: undefined, place: "河东区", record: "向被申请人释明" }, 2, ctx("120102"));
    const s = (payload((reported.events as EventToEmit[])[0]!) as mediationEventsV1.CooperationSessionReported).session!;
    const inFile = decidePartnerSession(
      c,
      { sessionId: s.sessionId, heldAt: s.heldTime!, place: s.place, record: s.record },
      "120102",
    )!.state;
    expect(inFile.sessions).toEqual([expect.objectContaining({ record: "向被申请人释明", partnerJurisdictionCode: "120102" })]);
    expect(decidePartnerSession(inFile, { sessionId: s.sessionId, heldAt: s.heldTime!, place: "", record: "" }, "120102")).toBeUndefined();

    const ended = decideConsent(c, c.parties[1]!.partyId, false, "不同意", 0, ctx()).state;
    const closed = decideOwnerClose(owner, ended, codecs, T0)!;
    expect(closed.state).toMatchObject({ status: "CLOSED", caseOutcome: "REFUSED" });
    expect((closed.events as EventToEmit[])[0]!.data).toMatchObject({ caseOutcome: P.CaseStatus.CASE_STATUS_REFUSED });
    expect(decideOwnerClose(closed.state, ended, codecs, T0)).toBeUndefined();
  });
});
