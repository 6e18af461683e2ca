import {
  type Actor,
  AlreadyExistsError,
  assertUuid,
  containsPattern,
  keysetPage,
  NotFoundError,
  pageOf,
  readPageRequest,
  type ServiceKit,
  textCursor,
  uuidField,
  validateExpectedRevision,
  Violations,
} from "@jinlian/chassis";
import {
  creditCodeField,
  jurisdictionField,
  optionalReason,
  requiredReason,
  type ProviderKind,
  type ProviderStatus,
  type Specialty,
} from "../domain/common";
import {
  checkProfile,
  checkRegistration,
  decideAppointment,
  decideAppointmentEnd,
  decideProfileUpdate,
  decideRegistration,
  decideStatusChange,
  type ProfileInput,
  type Provider,
  type RegistrationInput,
} from "../domain/provider";
import { revive, type Db } from "@jinlian/chassis";
import { loads, providerIdByIdentity, providersByCreditCodes, providerStore as store, registryByCodes } from "../persistence/stores";
import { contextOf } from "./context";

export interface ProviderView {
  provider: Provider;
  load: number;
}

export interface ProviderFilter {
  kind?: ProviderKind;
  districtCode: string;
  specialty?: Specialty;
  status?: ProviderStatus;
  text: string;
  licenceNumber: string;
  creditCode: string;
  language: string;
}

/** Use cases of providers: register, profile, status, adviser appointments (art. 15), reads. */
export class ProviderApp {
  constructor(private readonly kit: ServiceKit) {}

  private async load(db: Db, id: string, forUpdate = false): Promise<Provider> {
    const p = await store.load(db, id, forUpdate);
    if (!p) throw new NotFoundError("provider", id);
    return p;
  }

  private async view(db: Db, id: string): Promise<ProviderView> {
    return this.viewOfSaved(db, await this.load(db, id));
  }

  /** A provider's view from its state as `kit.apply` saved it: only its open load is read. */
  private async viewOfSaved(db: Db, provider: Provider): Promise<ProviderView> {
    return { provider, load: (await loads(db, [provider.providerId])).get(provider.providerId) ?? 0 };
  }

  register(input: RegistrationInput, reason: string, actor: Actor): Promise<ProviderView> {
    const checked = checkRegistration(input);
    const v = new Violations();
    const why = optionalReason(v, reason);
    v.throwIfAny();
    const providerId = this.kit.newId();
    return this.kit.creation(
      "RegisterProvider",
      actor,
      providerId,
      async (trx) => {
        const existing = await providerIdByIdentity(trx, checked.identityKey);
        if (existing)
          throw new AlreadyExistsError("provider", existing, `a provider with this identity is already registered: ${existing}`);
        const registry = await registryByCodes(trx, [
          checked.organisationCreditCode,
          checked.employerCreditCode,
          checked.chamberCreditCode,
          ...checked.profile.clientCodes,
        ]);
        const related = await providersByCreditCodes(trx, [checked.firmCreditCode, checked.commissionCreditCode].filter(Boolean));
        const ctx = contextOf(this.kit, actor, why);
        const decision = decideRegistration(
          providerId,
          checked,
          {
            registry,
            firmProvider: related.find((p) => p.kind === "LAW_FIRM" && p.organisation?.creditCode === checked.firmCreditCode),
            commissionProvider: related.find(
              (p) => p.kind === "ARBITRATION_COMMISSION" && p.organisation?.creditCode === checked.commissionCreditCode,
            ),
          },
          ctx,
        );
        const provider = await this.kit.apply(trx, store, undefined, decision, { actor, reason: why }, 0, ctx.now);
        // Nothing can be assigned to a provider before it exists: its open load is none.
        return { provider, load: 0 };
      },
      (id, trx) => this.view(trx, id),
    );
  }

  update(id: string, expectedRevision: number, profile: ProfileInput | undefined, reason: string, actor: Actor): Promise<ProviderView> {
    const v = new Violations();
    uuidField(v, "provider_id", id);
    validateExpectedRevision(v, expectedRevision);
    const checked = checkProfile(v, "profile.", profile);
    const why = optionalReason(v, reason);
    v.throwIfAny();
    return this.kit.change(
      `UpdateProvider:${id}`,
      actor,
      id,
      async (trx) => {
        const before = await this.load(trx, id, true);
        const registry = await registryByCodes(trx, checked.clientCodes);
        const ctx = contextOf(this.kit, actor, why);
        const after = await this.kit.apply(
          trx,
          store,
          before,
          decideProfileUpdate(before, checked, registry, expectedRevision, ctx),
          { actor, reason: why },
          expectedRevision,
          ctx.now,
        );
        return this.viewOfSaved(trx, after);
      },
      (pid, trx) => this.view(trx, pid),
    );
  }

  changeStatus(
    id: string,
    expectedRevision: number,
    status: ProviderStatus | undefined,
    reason: string,
    actor: Actor,
  ): Promise<ProviderView> {
    const v = new Violations();
    uuidField(v, "provider_id", id);
    validateExpectedRevision(v, expectedRevision);
    if (!status) v.add("status", "is required: ACTIVE, SUSPENDED or RETIRED");
    const why = requiredReason(v, "reason", reason);
    v.throwIfAny();
    return this.kit.change(
      `ChangeProviderStatus:${id}`,
      actor,
      id,
      async (trx) => {
        const before = await this.load(trx, id, true);
        const ctx = contextOf(this.kit, actor, why);
        const after = await this.kit.apply(
          trx,
          store,
          before,
          decideStatusChange(before, status!, expectedRevision, ctx),
          { actor, reason: why },
          expectedRevision,
          ctx.now,
        );
        return this.viewOfSaved(trx, after);
      },
      (pid, trx) => this.view(trx, pid),
    );
  }

  appoint(
    id: string,
    expectedRevision: number,
    chamberCreditCode: string,
    term: { startAt: Date | undefined; endAt: Date | undefined },
    reason: string,
    actor: Actor,
  ): Promise<{ view: ProviderView; appointmentId: string }> {
    const v = new Violations();
    uuidField(v, "provider_id", id);
    validateExpectedRevision(v, expectedRevision);
    const chamber = creditCodeField(v, "chamber_credit_code", chamberCreditCode);
    if (!term.startAt) v.add("start_time", "is required");
    if (!term.endAt) v.add("end_time", "is required");
    else if (term.startAt && term.endAt <= term.startAt) v.add("end_time", "must be after start_time");
    const why = optionalReason(v, reason);
    v.throwIfAny();
    let appointmentId = "";
    return this.kit
      .change(
        `AppointAdviser:${id}`,
        actor,
        id,
        async (trx) => {
          const before = await this.load(trx, id, true);
          const registry = await registryByCodes(trx, [chamber]);
          const ctx = contextOf(this.kit, actor, why);
          const out = decideAppointment(
            before,
            registry.get(chamber),
            { startAt: term.startAt!, endAt: term.endAt! },
            expectedRevision,
            ctx,
          );
          appointmentId = out.appointmentId;
          const after = await this.kit.apply(trx, store, before, out.decision, { actor, reason: why }, expectedRevision, ctx.now);
          return this.viewOfSaved(trx, after);
        },
        (pid, trx) => this.view(trx, pid),
      )
      .then((view) => ({
        view,
        // A repeated request is answered with the appointment it made (the latest for the chamber).
        appointmentId:
          appointmentId || ([...view.provider.appointments].reverse().find((a) => a.chamber.creditCode === chamber)?.appointmentId ?? ""),
      }));
  }

  endAppointment(id: string, expectedRevision: number, appointmentId: string, reason: string, actor: Actor): Promise<ProviderView> {
    const v = new Violations();
    uuidField(v, "provider_id", id);
    uuidField(v, "appointment_id", appointmentId);
    validateExpectedRevision(v, expectedRevision);
    const why = requiredReason(v, "reason", reason);
    v.throwIfAny();
    return this.kit.change(
      `EndAdviserAppointment:${id}`,
      actor,
      id,
      async (trx) => {
        const before = await this.load(trx, id, true);
        const ctx = contextOf(this.kit, actor, why);
        const after = await this.kit.apply(
          trx,
          store,
          before,
          decideAppointmentEnd(before, appointmentId, why, expectedRevision, ctx),
          { actor, reason: why },
          expectedRevision,
          ctx.now,
        );
        return this.viewOfSaved(trx, after);
      },
      (pid, trx) => this.view(trx, pid),
    );
  }

  async get(id: string): Promise<ProviderView> {
    assertUuid(id, "provider_id");
    return this.kit.snapshot((s) => this.view(s, id));
  }

  async list(
    f: ProviderFilter,
    pageSize: number,
    pageToken: string,
  ): Promise<{ items: ProviderView[]; nextPageToken: string; totalSize: number }> {
    const v = new Violations();
    const filter = {
      kind: f.kind ?? null,
      district: jurisdictionField(v, "filter.district_code", f.districtCode, false),
      specialty: f.specialty ?? null,
      status: f.status ?? null,
      text: f.text.trim(),
      licence: f.licenceNumber.trim(),
      creditCode: creditCodeField(v, "filter.credit_code", f.creditCode, false),
      language: f.language.trim().toLowerCase(),
    };
    if ([...filter.text].length > 200) v.add("filter.text", "must be at most 200 characters");
    const page = readPageRequest(v, filter, pageSize, pageToken, textCursor);
    v.throwIfAny();
    // One snapshot: the count, the page and each item's parts as one state.
    return this.kit.snapshot(async (db) => {
      const filtered = () => {
        const q = db("providers");
        if (filter.kind) q.where("kind", filter.kind);
        if (filter.district) q.where("district_code", filter.district);
        if (filter.status) q.where("status", filter.status);
        if (filter.text) q.whereILike("name", containsPattern(filter.text));
        if (filter.licence) q.where("licence_number", filter.licence);
        if (filter.creditCode) q.where((w) => w.where("credit_code", filter.creditCode).orWhere("firm_credit_code", filter.creditCode));
        if (filter.specialty) q.whereRaw("jsonb_exists(doc->'profile'->'specialties', ?)", [filter.specialty]);
        if (filter.language) q.whereRaw("jsonb_exists(doc->'profile'->'languages', ?)", [filter.language]);
        return q;
      };
      const [{ n }] = (await filtered().count({ n: "*" })) as { n: string }[];
      const q = filtered().select("provider_id", "name", "doc", "revision");
      keysetPage(q, { key: "name", id: "provider_id", direction: "asc" }, page.after);
      const rows = (await q.limit(page.size + 1)) as {
        provider_id: string;
        name: string;
        doc: unknown;
        revision: number;
      }[];
      const { items, nextPageToken } = pageOf(rows, page, (r) => ({ key: r.name, id: r.provider_id }));
      const load = await loads(
        db,
        items.map((r) => r.provider_id),
      );
      return {
        items: items.map((r) => ({ provider: { ...revive<Provider>(r.doc), revision: r.revision }, load: load.get(r.provider_id) ?? 0 })),
        nextPageToken,
        totalSize: Number(n),
      };
    });
  }
}
