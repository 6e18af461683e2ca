// Seeds demo data into a running municipal node and waits for it to reach the district node.
// Run with Node 24 (type stripping): node scripts/demo/seed.mts <city-address> <district-address>
import chassis from "@jinlian/chassis";
import client from "@jinlian/client";
import proto from "@jinlian/proto";

const { withCheckCharacter } = chassis;
const { bulletinsClient } = client;
const { bulletinsV1 } = proto;
const [cityAddress = "127.0.0.1:50051", districtAddress = "127.0.0.1:50052"] = process.argv.slice(2);

const city = bulletinsClient({ address: cityAddress, actor: "demo-seed" });
const district = bulletinsClient({ address: districtAddress, actor: "demo-seed" });
const bureau = { creditCode: withCheckCharacter("11120000MB1234567"), jurisdictionCode: "120000", name: "天津市司法局" };
const federation = { creditCode: withCheckCharacter("51120000MJ0123456"), jurisdictionCode: "120000", name: "天津市工商业联合会" };
const hepingChamber = { creditCode: withCheckCharacter("51120101MJ7654321"), jurisdictionCode: "120101", name: "和平区总商会" };
const none = { allDistricts: false, jurisdictionCodes: [], organisations: [] };

const existing = await city.listBulletins({ filter: undefined, page: { pageSize: 1, pageToken: "" } });
if (existing.page!.totalSize > 0) {
  console.log(`  demo data already present (${existing.page!.totalSize} bulletins at 120000); not seeding again`);
  city.close();
  district.close();
  process.exit(0);
}

const seeds = [
  {
    kind: bulletinsV1.BulletinKind.BULLETIN_KIND_WORK_BRIEFING,
    issuer: bureau,
    title: "关于开展民营企业“法治体检”活动的工作简报",
    body: "一、活动开展情况\n市司法局会同市工商联组织律师服务团走访民营企业……\n二、下一步工作安排\n……",
    mainAudience: { allDistricts: true, jurisdictionCodes: [], organisations: [] },
    copyAudience: none,
  },
  {
    kind: bulletinsV1.BulletinKind.BULLETIN_KIND_SPECIAL_NOTICE,
    issuer: federation,
    title: "关于“万所联万会”律所商会结对情况的专题通报",
    body: "截至目前，全市已有律师事务所与商会结对……",
    mainAudience: { allDistricts: false, jurisdictionCodes: ["120101"], organisations: [] },
    copyAudience: { allDistricts: false, jurisdictionCodes: [], organisations: [hepingChamber] },
  },
];

const ids: string[] = [];
for (const s of seeds) {
  const { bulletin } = await city.createBulletinDraft({
    ...s,
    urgency: bulletinsV1.Urgency.URGENCY_ROUTINE,
    classification: bulletinsV1.Classification.CLASSIFICATION_INTERNAL,
    acknowledgementWindow: { seconds: String(7 * 24 * 3600), nanos: 0 },
  });
  const published = await city.publishBulletin({ bulletinId: bulletin!.bulletinId, expectedRevision: 0 });
  ids.push(published.bulletin!.bulletinId);
  console.log(`  published ${published.bulletin!.displayNumber} ${published.bulletin!.title} (${published.bulletin!.bulletinId})`);
}

// Wait for delivery to the district node, then acknowledge one as Heping's bureau.
const deadline = Date.now() + 60_000;
for (;;) {
  try {
    await district.getBulletin({ bulletinId: ids[1]! });
    break;
  } catch {
    if (Date.now() > deadline) throw new Error("demo bulletin did not reach the district node within 60 s");
    await new Promise((r) => setTimeout(r, 300));
  }
}
await district.acknowledgeBulletin({
  bulletinId: ids[1]!,
  recipient: { recipient: { $case: "jurisdictionCode", value: "120101" } },
  version: 0,
  readerName: "和平区司法局 值班员",
});
console.log(`  delivered to 120101 and acknowledged there; the receipt is on its way back to 120000`);
city.close();
district.close();
