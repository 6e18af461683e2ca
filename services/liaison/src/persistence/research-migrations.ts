import type { Migration } from "@jinlian/chassis";

export const researchMigrations: readonly Migration[] = [
  {
    name: "0005_research",
    async up(db) {
      await db.schema.createTable("research_projects", (t) => {
        t.uuid("research_id").primary();
        t.text("topic").notNullable();
        t.uuid("lead_organisation_id").notNullable().references("organisation_id").inTable("organisations");
        t.text("description").notNullable().defaultTo("");
        t.text("status").notNullable();
        t.integer("revision").notNullable();
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.timestamp("updated_at", { useTz: true }).notNullable();
        t.check("status in ('PROPOSED','ONGOING','CONCLUDED')");
      });
      await db.raw("create index research_projects_listing on research_projects (created_at desc, research_id desc)");
      await db.raw("create index research_projects_by_lead on research_projects (lead_organisation_id, created_at desc)");

      await db.schema.createTable("research_invitations", (t) => {
        t.uuid("invitation_id").primary();
        t.uuid("research_id").notNullable().references("research_id").inTable("research_projects").onDelete("CASCADE");
        t.uuid("organisation_id").notNullable().references("organisation_id").inTable("organisations");
        t.uuid("invited_by_organisation_id").notNullable().references("organisation_id").inTable("organisations");
        t.text("status").notNullable();
        t.integer("position").notNullable();
        t.timestamp("invited_at", { useTz: true }).notNullable();
        t.timestamp("responded_at", { useTz: true });
        // An organisation is invited once per project, whatever it answered.
        t.unique(["research_id", "organisation_id"]);
        t.check("status in ('PENDING','ACCEPTED','DECLINED')");
      });

      await db.schema.createTable("research_findings", (t) => {
        t.uuid("finding_id").primary();
        t.uuid("research_id").notNullable().references("research_id").inTable("research_projects").onDelete("CASCADE");
        t.text("text").notNullable();
        t.integer("position").notNullable();
        t.text("actor").notNullable();
        t.text("reason").notNullable().defaultTo("");
        t.text("request_id").notNullable().defaultTo("");
        t.text("jurisdiction").notNullable();
        t.timestamp("recorded_at", { useTz: true }).notNullable();
      });
      await db.raw("create index research_findings_by_project on research_findings (research_id, position)");

      await db.schema.createTable("research_outcomes", (t) => {
        t.uuid("outcome_id").primary();
        t.uuid("research_id").notNullable().references("research_id").inTable("research_projects").onDelete("CASCADE");
        t.text("summary").notNullable();
        t.integer("position").notNullable();
        t.timestamp("recorded_at", { useTz: true }).notNullable();
        t.text("recorded_by").notNullable().defaultTo("");
        t.text("recorded_reason").notNullable().defaultTo("");
        t.text("recorded_request_id").notNullable().defaultTo("");
        t.text("recorded_jurisdiction").notNullable().defaultTo("");
        // What the outcome became (成果转化); all null until linked.
        t.text("link_kind");
        t.text("link_target_id");
        t.text("linked_by");
        t.text("linked_reason");
        t.text("linked_request_id");
        t.text("linked_jurisdiction");
        t.timestamp("linked_at", { useTz: true });
        t.check("link_kind in ('LEGISLATION_PROPOSAL','TRAINING','BULLETIN')");
        t.check("(link_kind is null) = (link_target_id is null) and (link_kind is null) = (linked_at is null)");
      });
      await db.raw("create index research_outcomes_by_project on research_outcomes (research_id, position)");
      // An artefact comes from one outcome only, so the chain is traceable both ways; also the
      // index ListJointResearch uses to find the project an artefact came from.
      await db.raw(
        "create unique index research_outcomes_link_target on research_outcomes (link_target_id, link_kind) where link_kind is not null",
      );
    },
  },
  {
    name: "0011_research_corrections",
    async up(db) {
      // A finding or outcome row holds its current version; earlier ones move to research_text_versions.
      for (const table of ["research_findings", "research_outcomes"])
        await db.schema.alterTable(table, (t) => {
          t.integer("version").notNullable().defaultTo(1);
          t.boolean("withdrawn").notNullable().defaultTo(false);
          t.text("revised_by");
          t.text("revised_reason");
          t.text("revised_request_id");
          t.text("revised_jurisdiction");
          t.timestamp("revised_at", { useTz: true });
        });
      await db.schema.createTable("research_text_versions", (t) => {
        // A finding's or an outcome's id (both UUIDs, never shared).
        t.uuid("item_id").notNullable();
        t.uuid("research_id").notNullable().references("research_id").inTable("research_projects").onDelete("CASCADE");
        t.integer("version").notNullable();
        t.text("text").notNullable();
        t.text("actor").notNullable();
        t.text("reason").notNullable().defaultTo("");
        t.text("request_id").notNullable().defaultTo("");
        t.text("jurisdiction").notNullable();
        t.timestamp("made_at", { useTz: true }).notNullable();
        t.primary(["item_id", "version"]);
      });
      await db.raw("create index research_text_versions_by_project on research_text_versions (research_id)");
      // A withdrawn outcome's link no longer counts: the artefact may be linked from another outcome.
      await db.raw("drop index research_outcomes_link_target");
      await db.raw(
        "create unique index research_outcomes_link_target on research_outcomes (link_target_id, link_kind) where link_kind is not null and not withdrawn",
      );
      // The filter by participant: accepted invitations by organisation.
      await db.raw("create index research_invitations_by_organisation on research_invitations (organisation_id) where status = 'ACCEPTED'");
    },
  },
  {
    // The drafts and plan items of the node's legislation service and the trainings of its
    // legal-services service, projected from their compacted local streams: the ids an outcome
    // may link to as LEGISLATION_PROPOSAL or TRAINING.
    name: "0014_linkable_artefacts",
    async up(db) {
      await db.schema.createTable("linkable_artefacts", (t) => {
        t.text("kind").notNullable();
        t.uuid("artefact_id").notNullable();
        t.text("title").notNullable().defaultTo("");
        t.text("event_id").notNullable();
        t.timestamp("recorded_at", { useTz: true }).notNullable();
        t.primary(["kind", "artefact_id"]);
        t.check("kind in ('LEGISLATION_DRAFT','LEGISLATION_PLAN_ITEM','TRAINING')");
      });
    },
  },
];
