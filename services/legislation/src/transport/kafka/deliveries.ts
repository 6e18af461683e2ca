import { inboxHandler, legislationEvents, type InboxBinding } from "@jinlian/chassis";
import { ConsultationApp } from "../../app/consultation-app";

/**
 * The legislation deliveries a node applies: rounds and feedback down from the city (a district
 * node holds the city's rounds under the same ids), and district replies up. Checked by the
 * chassis before the inbox: the sender is the topic's, and a reply reports for its sender only.
 */
export function legislationDeliveries(consultations: ConsultationApp): InboxBinding[] {
  return [
    inboxHandler(legislationEvents.roundOpened, (e, trx) => consultations.onRoundOpened(e, trx), {
      validate: (d) => [
        ...(d.window?.closeTime ? [] : [{ field: "data.window.close_time", description: "is required" }]),
        ...(d.articles.length > 0 ? [] : [{ field: "data.articles", description: "must not be empty" }]),
      ],
    }),
    inboxHandler(legislationEvents.roundExtended, (e, trx) => consultations.onRoundExtended(e, trx), {
      validate: (d) => (d.window?.closeTime ? [] : [{ field: "data.window.close_time", description: "is required" }]),
    }),
    inboxHandler(legislationEvents.roundReopened, (e, trx) => consultations.onRoundReopened(e, trx), {
      validate: (d) => (d.window?.closeTime ? [] : [{ field: "data.window.close_time", description: "is required" }]),
    }),
    inboxHandler(legislationEvents.roundClosed, (e, trx) => consultations.onRoundClosed(e, trx)),
    inboxHandler(legislationEvents.feedbackPublished, (e, trx) => consultations.onFeedbackPublished(e, trx)),
    inboxHandler(legislationEvents.districtReplySent, (e, trx) => consultations.onDistrictReply(e, trx), {
      reportsFor: (d) => d.jurisdictionCode,
      validate: (d) => ConsultationApp.replyViolations(d),
    }),
  ];
}
