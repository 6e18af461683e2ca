import { bulletinsV1, liaisonV1 } from "@jinlian/proto";
import { completerFor } from "./requests";

describe("requests a caller leaves fields out of", () => {
  it("are completed with the protobuf defaults of the method's request message, nested ones too", () => {
    const complete = completerFor("/jinlian.liaison.v1.RegistryService/ListOrganisations");
    const request = complete({ filter: { text: "商会" } }) as liaisonV1.ListOrganisationsRequest;
    expect(request).toEqual(liaisonV1.ListOrganisationsRequest.fromPartial({ filter: { text: "商会" } }));
    // It encodes: no "undefined" text, no missing list.
    const bytes = liaisonV1.ListOrganisationsRequest.encode(request).finish();
    expect(liaisonV1.ListOrganisationsRequest.decode(bytes).filter?.text).toBe("商会");
  });

  it("keeps what the caller gave, including oneofs", () => {
    const complete = completerFor("/jinlian.bulletins.v1.BulletinsService/AcknowledgeBulletin");
    const request = complete({
      bulletinId: "b",
      recipient: { recipient: { $case: "jurisdictionCode", value: "120101" } },
    }) as bulletinsV1.AcknowledgeBulletinRequest;
    expect(request.bulletinId).toBe("b");
    expect(request.recipient?.recipient).toEqual({ $case: "jurisdictionCode", value: "120101" });
    expect(request.readerName).toBe("");
  });

  it("passes a request through when the method's request message is not found", () => {
    const complete = completerFor("/jinlian.unknown.v1.Nothing/Do");
    const request = { any: 1 };
    expect(complete(request)).toBe(request);
  });
});
