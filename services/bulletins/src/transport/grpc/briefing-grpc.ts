import type { Attribution, CallContext } from "@jinlian/chassis";
import type { bulletinsV1 } from "@jinlian/proto";
import type { BulletinView } from "../../app/bulletins-app";
import type { Briefings } from "../../app/briefings";
import { orgFromProto } from "../../domain/bulletin-events";

/** BulletinsService.CompileBriefingDraft, joined into the service's implementation. */
export function briefingHandlers(
  briefings: Briefings,
  toProtoBulletin: (v: BulletinView) => bulletinsV1.Bulletin,
  by: (call: CallContext, reason: string) => Attribution,
) {
  return {
    async compileBriefingDraft(
      req: bulletinsV1.CompileBriefingDraftRequest,
      call: CallContext,
    ): Promise<bulletinsV1.CompileBriefingDraftResponse> {
      const { bulletin, figures } = await briefings.compile(
        req.period,
        req.issuer ? orgFromProto(req.issuer) : undefined,
        req.jurisdictionCodes.map((c) => c.trim()),
        by(call, req.reason),
      );
      return { bulletin: toProtoBulletin(bulletin), figures: { ...figures, audienceReached: String(figures.audienceReached) } };
    },
  };
}
