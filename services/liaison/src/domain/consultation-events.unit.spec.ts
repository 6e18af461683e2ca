import { liaisonV1, type liaisonEventsV1 } from "@jinlian/proto";
import { violatedFields as fieldsOf } from "@jinlian/chassis/testing";
import { decideAgendaReceived } from "./consultation-events";

const ID = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
const NOW = new Date("2026-05-01T02:00:00Z");
const LATER = new Date("2026-06-01T02:00:00Z");
const atHeping = { here: "120101", from: "120000", now: NOW, eventId: "e1" };

function sent(agenda: Partial<liaisonV1.ConsultationAgenda> = {}): liaisonEventsV1.ConsultationAgendaSent {
  return {
    consultationId: ID,
    agenda: {
      consultationId: ID,
      issuingJurisdictionCode: "120000",
      kind: liaisonV1.ConsultationKind.CONSULTATION_KIND_HIGH_LEVEL,
      title: "全市民营经济法治保障高层会商",
      scheduledTime: LATER,
      location: "天津市司法局",
      status: liaisonV1.ConsultationStatus.CONSULTATION_STATUS_PLANNED,
      agenda: [
        {
          agendaItemId: "i1",
          topic: "各区商会法治体检",
          presenter: "法治调研处",
          presenterOrganisationId: "",
          durationMinutes: 40,
          presenterCreditCode: "",
          presenterOrganisation: { creditCode: "11120000MB0000000X", jurisdictionCode: "120000", name: "天津市司法局" },
        },
      ],
      attendees: [],
      concernedJurisdictionCodes: ["120101", "120102"],
      revision: 1,
      reason: "年度会商",
      receiveTime: undefined,
      ...agenda,
    },
    audit: undefined,
  };
}

describe("given an agenda sent by the city, at a district concerned", () => {
  it("when it is the first, then the district keeps it as received, presenters by reference", () => {
    const a = decideAgendaReceived(undefined, sent(), atHeping)!;
    expect(a).toEqual(
      expect.objectContaining({
        consultationId: ID,
        issuingJurisdictionCode: "120000",
        kind: "HIGH_LEVEL",
        status: "PLANNED",
        revision: 1,
        receiveTime: NOW,
      }),
    );
    expect(a.agenda[0]!.presenterOrganisation).toEqual({
      creditCode: "11120000MB0000000X",
      jurisdictionCode: "120000",
      name: "天津市司法局",
    });
  });

  it("when a newer revision comes (rescheduled, cancelled), then it replaces; a repeat or an older one changes nothing", () => {
    const cancelled = sent({ revision: 3, status: liaisonV1.ConsultationStatus.CONSULTATION_STATUS_CANCELLED });
    expect(decideAgendaReceived({ revision: 1 }, cancelled, atHeping)!.status).toBe("CANCELLED");
    expect(decideAgendaReceived({ revision: 3 }, cancelled, atHeping)).toBeUndefined();
    expect(decideAgendaReceived({ revision: 4 }, cancelled, atHeping)).toBeUndefined();
  });

  it("when it does not concern this district, comes from a district, or is not whole, then it is malformed", () => {
    expect(fieldsOf(() => decideAgendaReceived(undefined, sent(), { ...atHeping, here: "120103" }))).toEqual([
      "agenda.concerned_jurisdiction_codes",
    ]);
    expect(fieldsOf(() => decideAgendaReceived(undefined, sent(), { ...atHeping, from: "120102" }))).toEqual(["source"]);
    expect(
      fieldsOf(() =>
        decideAgendaReceived(
          undefined,
          sent({ revision: 0, title: " ", scheduledTime: undefined, status: liaisonV1.ConsultationStatus.CONSULTATION_STATUS_CLOSED }),
          atHeping,
        ),
      ),
    ).toEqual(["agenda.revision", "agenda.scheduled_time", "agenda.title", "agenda.status"]);
  });
});
