// Seeds demo data into a running municipal node and a district node: the liaison registry,
// mechanisms, a consultation with a cross-level action, a campaign and joint research, then
// bulletins; waits for what travels between the nodes to arrive.
// Run with Node 24 (type stripping): node scripts/demo/seed.mts <city-address> <district-address> [<district-code>]
// With JINLIAN_DEV_AUTH_DIR (scripts/start.sh sets it) it presents that issuer's tokens; with
// JINLIAN_DEV_TLS_DIR (start.sh with JINLIAN_TLS=1) it calls over mutual TLS with its demo certificate.
import kernel from "@jinlian/kernel";
import client from "@jinlian/client";
import proto from "@jinlian/proto";
import { devTls, devToken } from "../lib/dev-issuer.mts";

const { withCheckCharacter } = kernel;
const { bulletinsClient, liaisonClient } = client;
const { bulletinsV1, commonV1, liaisonV1 } = proto;
const [cityAddress = "127.0.0.1:50051", districtAddress = "127.0.0.1:50052", districtCode = "120101"] = process.argv.slice(2);
const authDir = process.env.JINLIAN_DEV_AUTH_DIR;
const tls = devTls(process.env.JINLIAN_DEV_TLS_DIR);
/** The demo operator of a node's jurisdiction, when the nodes authenticate callers. */
const as = (jurisdiction: string) => ({
  actor: "demo-seed",
  token: authDir ? () => devToken(authDir, jurisdiction, "demo-seed") : undefined,
  tls,
});

const city = bulletinsClient({ address: cityAddress, ...as("120000") });
const district = bulletinsClient({ address: districtAddress, ...as(districtCode) });
const bureau = { creditCode: withCheckCharacter("11120000MB1234567"), jurisdictionCode: "120000", name: "天津市司法局" };
const federation = { creditCode: withCheckCharacter("51120000MJ0123456"), jurisdictionCode: "120000", name: "天津市工商业联合会" };
const hepingChamber = { creditCode: withCheckCharacter("51120101MJ7654321"), jurisdictionCode: "120101", name: "和平区总商会" };
const none = { allDistricts: false, jurisdictionCodes: [], organisations: [] };

const cityLiaison = liaisonClient({ address: cityAddress, ...as("120000") });
const districtLiaison = liaisonClient({ address: districtAddress, ...as(districtCode) });
const T = commonV1.OrganisationType;

async function until<R>(what: string, probe: () => Promise<R>): Promise<R> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await probe();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what} did not happen within 60 s: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

async function seedLiaison(): Promise<void> {
  const known = await cityLiaison.registry.listOrganisations({ filter: undefined, page: { pageSize: 1, pageToken: "" } });
  if (known.page!.totalSize > 0) {
    console.log(`  liaison demo data already present (${known.page!.totalSize} organisations at 120000); not seeding again`);
    return;
  }
  const register = async (
    l: typeof cityLiaison,
    type: number,
    name: string,
    creditCode: string,
    jurisdictionCode: string,
    departmentNames: string[],
  ) =>
    (await l.registry.registerOrganisation({ type, name, creditCode, jurisdictionCode, departmentNames, reason: "演示数据" }))
      .organisation!;
  const dept = (o: { departments: { name: string; departmentId: string }[] }, name: string) =>
    o.departments.find((d) => d.name === name)!.departmentId;

  // Registry of parties, at the city and in Heping.
  const cityBureau = await register(cityLiaison, T.ORGANISATION_TYPE_JUSTICE_BUREAU, bureau.name, bureau.creditCode, "120000", [
    "法治调研处",
    "公共法律服务管理处",
  ]);
  const cityFederation = await register(cityLiaison, T.ORGANISATION_TYPE_FEDERATION, federation.name, federation.creditCode, "120000", [
    "法律服务部",
    "办公室",
  ]);
  await cityLiaison.registry.addLiaisonContact({
    organisationId: cityFederation.organisationId,
    expectedRevision: 0,
    contact: {
      contactId: "",
      name: "王联络",
      title: "法律服务部副部长",
      departmentId: dept(cityFederation, "法律服务部"),
      phone: "022-2345-6789",
      email: "",
    },
    reason: "明确日常联络人",
  });
  const hepingBureau = await register(
    districtLiaison,
    T.ORGANISATION_TYPE_JUSTICE_BUREAU,
    "和平区司法局",
    withCheckCharacter("11120101MB0000011"),
    "120101",
    ["法治调研科"],
  );
  const hepingFederation = await register(
    districtLiaison,
    T.ORGANISATION_TYPE_FEDERATION,
    "和平区工商业联合会",
    withCheckCharacter("51120101MJ0000012"),
    "120101",
    ["法律服务科"],
  );
  await register(districtLiaison, T.ORGANISATION_TYPE_CHAMBER_OF_COMMERCE, hepingChamber.name, hepingChamber.creditCode, "120101", [
    "秘书处",
  ]);
  console.log("  registered the parties at 120000 and 120101");

  // Liaison mechanisms (art. 2-3), established at both levels; Heping's status goes up to the city.
  for (const [l, b, f, bd, fd] of [
    [cityLiaison, cityBureau, cityFederation, "法治调研处", "法律服务部"],
    [districtLiaison, hepingBureau, hepingFederation, "法治调研科", "法律服务科"],
  ] as const) {
    const { mechanism } = await l.mechanisms.proposeMechanism({
      justiceBureau: { organisationId: b.organisationId, departmentId: dept(b, bd), organisation: undefined, departmentName: "" },
      federation: { organisationId: f.organisationId, departmentId: dept(f, fd), organisation: undefined, departmentName: "" },
      reason: "建立沟通联系机制",
    });
    await l.mechanisms.establishMechanism({ mechanismId: mechanism!.mechanismId, expectedRevision: 0, reason: "津司发〔2024〕8号" });
  }
  console.log("  established the liaison mechanisms of 120000 and 120101");

  // A high-level consultation whose decision assigns an action to Heping.
  const { consultation } = await cityLiaison.consultations.scheduleConsultation({
    kind: liaisonV1.ConsultationKind.CONSULTATION_KIND_HIGH_LEVEL,
    title: "2026年度市司法局与市工商联高层会商",
    seriesId: "",
    mechanismId: "",
    scheduledTime: new Date(),
    location: "市司法局第一会议室",
    agenda: [
      {
        agendaItemId: "",
        topic: "民营企业“法治体检”工作情况",
        presenter: "法治调研处处长",
        presenterOrganisationId: cityBureau.organisationId,
        durationMinutes: 30,
      },
      {
        agendaItemId: "",
        topic: "商会人民调解工作推进",
        presenter: "法律服务部部长",
        presenterOrganisationId: cityFederation.organisationId,
        durationMinutes: 20,
      },
    ],
    // Both sides of the mechanism attend (liaison refuses a consultation without them).
    attendees: [
      { name: "市司法局分管副局长", organisationId: cityBureau.organisationId, title: "副局长" },
      { name: "市工商联分管副主席", organisationId: cityFederation.organisationId, title: "副主席" },
    ],
    reason: "年度会商",
  });
  const id = consultation!.consultationId;
  await cityLiaison.consultations.startConsultation({ consultationId: id, expectedRevision: 0, reason: "" });
  await cityLiaison.consultations.recordOutcome({
    consultationId: id,
    expectedRevision: 0,
    type: liaisonV1.OutcomeType.OUTCOME_TYPE_DECISION,
    text: "年内在各区商会全面开展“法治体检”",
    agendaItemId: "",
    action: undefined,
    reason: "",
  });
  const assigned = await cityLiaison.consultations.recordOutcome({
    consultationId: id,
    expectedRevision: 0,
    type: liaisonV1.OutcomeType.OUTCOME_TYPE_ACTION,
    text: "和平区率先组织律师服务团走访辖区商会",
    agendaItemId: "",
    action: {
      title: "组织律师服务团走访辖区商会",
      owner: undefined,
      assigneeJurisdictionCode: "120101",
      dueTime: new Date(Date.now() + 30 * 86_400_000),
    },
    reason: "",
  });
  await cityLiaison.consultations.closeConsultation({ consultationId: id, expectedRevision: 0, minutes: "会议纪要：……", reason: "" });
  const actionId = assigned.outcome!.actionItemId;
  await until("the assigned action reaching 120101", () => districtLiaison.consultations.getActionItem({ actionItemId: actionId }));
  await districtLiaison.consultations.updateActionItemProgress({
    actionItemId: actionId,
    expectedRevision: 0,
    status: liaisonV1.ActionItemStatus.ACTION_ITEM_STATUS_IN_PROGRESS,
    note: "已组建律师服务团，首批走访3家商会",
    owner: { organisationId: hepingBureau.organisationId, departmentId: dept(hepingBureau, "法治调研科") },
  });
  console.log(`  held a high-level consultation; action ${actionId} assigned to 120101, which reported progress`);

  // Constitution Week (宪法宣传周) for this year, pushed to every district.
  const year = Number(new Intl.DateTimeFormat("en", { timeZone: "Asia/Shanghai", year: "numeric" }).format(new Date()));
  const { campaign } = await cityLiaison.campaigns.planCampaign({
    calendarNode: liaisonV1.CalendarNode.CALENDAR_NODE_CONSTITUTION_WEEK,
    year,
    title: `${year}年“宪法宣传周”法治宣传活动`,
    theme: "弘扬宪法精神，护航民营经济",
    targetJurisdictionCodes: [],
    reason: "",
  });
  await cityLiaison.campaigns.launchCampaign({ campaignId: campaign!.campaignId, expectedRevision: 0, reason: "" });
  await until("the campaign reaching 120101", () => districtLiaison.campaigns.getCampaign({ campaignId: campaign!.campaignId }));
  await districtLiaison.campaigns.reportCampaignActivity({
    campaignId: campaign!.campaignId,
    title: "宪法进商会",
    heldTime: campaign!.startTime!,
    eventsHeld: 3,
    audienceReached: "420",
    organiserOrganisationId: "",
    reason: "",
  });
  console.log(`  launched campaign ${campaign!.campaignId}; 120101 reported an activity`);

  // Joint research led by the bureau, with the federation invited.
  const { research } = await cityLiaison.research.proposeJointResearch({
    topic: "民营企业合规经营中的常见法律风险",
    leadOrganisationId: cityBureau.organisationId,
    description: "联合开展调研，形成立法建议和培训课程",
    reason: "",
  });
  const invited = await cityLiaison.research.inviteToJointResearch({
    researchId: research!.researchId,
    expectedRevision: 0,
    organisationId: cityFederation.organisationId,
    invitedByOrganisationId: "",
    reason: "",
  });
  await cityLiaison.research.respondToResearchInvitation({
    researchId: research!.researchId,
    expectedRevision: 0,
    invitationId: invited.research!.invitations[0]!.invitationId,
    answer: liaisonV1.InvitationStatus.INVITATION_STATUS_ACCEPTED,
    reason: "",
  });
  console.log(`  joint research ${research!.researchId} under way`);
}

await seedLiaison();
cityLiaison.close();
districtLiaison.close();

const existing = await city.listBulletins({ filter: undefined, page: { pageSize: 1, pageToken: "" }, readerCreditCode: "" });
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

// The issuers must be known to the city's bulletins service, which projects the registry's events.
const known = Date.now() + 60_000;
for (;;) {
  const { organisations } = await city.listKnownOrganisations({
    jurisdictionCode: "120000",
    text: "",
    page: { pageSize: 200, pageToken: "" },
  });
  if ([bureau, federation].every((o) => organisations.some((k) => k.organisation?.creditCode === o.creditCode && k.active))) break;
  if (Date.now() > known) throw new Error("the issuers did not reach the bulletins projection within 60 s");
  await new Promise((r) => setTimeout(r, 500));
}

const ids: string[] = [];
for (const s of seeds) {
  const { bulletin } = await city.createBulletinDraft({
    ...s,
    urgency: bulletinsV1.Urgency.URGENCY_ROUTINE,
    classification: bulletinsV1.Classification.CLASSIFICATION_INTERNAL,
    acknowledgementWindow: { seconds: String(7 * 24 * 3600), nanos: 0 },
    coIssuers: [],
    reason: "",
  });
  // 签发 before publication: the approver is named.
  await city.approveBulletin({
    bulletinId: bulletin!.bulletinId,
    expectedRevision: 0,
    approver: { name: "王五", position: "局长" },
    reason: "同意印发",
  });
  const published = await city.publishBulletin({ bulletinId: bulletin!.bulletinId, expectedRevision: 0, reason: "按期印发" });
  ids.push(published.bulletin!.bulletinId);
  console.log(`  published ${published.bulletin!.displayNumber} ${published.bulletin!.title} (${published.bulletin!.bulletinId})`);
}

// Wait for delivery to the district node, then acknowledge one as Heping's bureau.
const deadline = Date.now() + 60_000;
for (;;) {
  try {
    await district.getBulletin({ bulletinId: ids[1]!, readerCreditCode: "" });
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
