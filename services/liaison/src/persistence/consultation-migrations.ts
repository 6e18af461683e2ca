import type { Migration } from "@jinlian/chassis";

export const consultationMigrations: readonly Migration[] = [
  {
    name: "0004_consultations",
    async up(db) {
      // series_id is the id of the series' first consultation. mechanism_id refers to the
      // mechanisms area's table; it is checked when written, not by a foreign key, so the two
      // areas' tables stay independent.
      await db.schema.createTable("consultations", (t) => {
        t.uuid("consultation_id").primary();
        t.text("kind").notNullable();
        t.uuid("series_id").notNullable();
        t.text("title").notNullable();
        t.uuid("mechanism_id");
        t.timestamp("scheduled_time", { useTz: true }).notNullable();
        t.text("location").notNullable().defaultTo("");
        t.text("status").notNullable();
        t.text("minutes").notNullable().defaultTo("");
        t.integer("revision").notNullable();
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.timestamp("updated_at", { useTz: true }).notNullable();
        t.timestamp("start_time", { useTz: true });
        t.timestamp("end_time", { useTz: true });
        t.check("kind in ('HIGH_LEVEL','WORKING')");
        t.check("status in ('PLANNED','IN_PROGRESS','CLOSED','CANCELLED')");
      });
      await db.raw("create index consultations_listing on consultations (scheduled_time desc, consultation_id desc)");
      await db.raw("create index consultations_by_series on consultations (series_id, status, scheduled_time)");

      await db.schema.createTable("consultation_agenda_items", (t) => {
        t.uuid("agenda_item_id").primary();
        t.uuid("consultation_id").notNullable().references("consultation_id").inTable("consultations").onDelete("CASCADE");
        t.integer("position").notNullable();
        t.text("topic").notNullable();
        t.text("presenter").notNullable().defaultTo("");
        t.uuid("presenter_organisation_id").references("organisation_id").inTable("organisations");
        t.integer("duration_minutes").notNullable();
        t.unique(["consultation_id", "position"]);
        t.check("duration_minutes between 1 and 480");
      });

      await db.schema.createTable("consultation_attendees", (t) => {
        t.uuid("consultation_id").notNullable().references("consultation_id").inTable("consultations").onDelete("CASCADE");
        t.integer("position").notNullable();
        t.text("name").notNullable();
        t.uuid("organisation_id").notNullable().references("organisation_id").inTable("organisations");
        t.text("title").notNullable().defaultTo("");
        t.primary(["consultation_id", "position"]);
      });

      await db.schema.createTable("consultation_outcomes", (t) => {
        t.uuid("outcome_id").primary();
        t.uuid("consultation_id").notNullable().references("consultation_id").inTable("consultations").onDelete("CASCADE");
        t.integer("position").notNullable();
        t.text("type").notNullable();
        t.text("text").notNullable();
        t.uuid("agenda_item_id").references("agenda_item_id").inTable("consultation_agenda_items");
        t.uuid("action_item_id");
        t.text("actor").notNullable();
        t.text("reason").notNullable().defaultTo("");
        t.text("request_id").notNullable().defaultTo("");
        t.text("jurisdiction").notNullable();
        t.timestamp("occurred_at", { useTz: true }).notNullable();
        t.unique(["consultation_id", "position"]);
        t.check("type in ('DECISION','INFORMATION','ACTION')");
      });

      // Consultation ids of an item assigned by the city name the city's consultations, which a
      // district does not hold: no foreign keys on them.
      await db.schema.createTable("action_items", (t) => {
        t.uuid("action_item_id").primary();
        t.text("title").notNullable();
        t.uuid("owner_organisation_id").references("organisation_id").inTable("organisations");
        t.uuid("owner_department_id");
        t.text("assignee_jurisdiction_code");
        t.timestamp("due_time", { useTz: true }).notNullable();
        t.text("status").notNullable();
        t.text("origin").notNullable();
        t.text("origin_jurisdiction_code").notNullable();
        t.uuid("origin_consultation_id").notNullable();
        t.uuid("consultation_id").notNullable();
        t.uuid("series_id");
        t.integer("carry_over_count").notNullable().defaultTo(0);
        t.integer("revision").notNullable();
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.timestamp("updated_at", { useTz: true }).notNullable();
        // At the city: the last district report applied, so a repeat or a stale one changes nothing.
        t.integer("last_report_sequence").notNullable().defaultTo(0);
        // The due date an overdue alert was raised for: one alert per item and due date.
        t.timestamp("overdue_alert_due_at", { useTz: true });
        t.check("status in ('OPEN','IN_PROGRESS','DONE','CANCELLED')");
        t.check("origin in ('LOCAL','ASSIGNED_BY_CITY')");
      });
      await db.raw("create index action_items_listing on action_items (due_time, action_item_id)");
      await db.raw("create index action_items_by_consultation on action_items (consultation_id)");
      await db.raw("create index action_items_by_series on action_items (series_id) where status in ('OPEN','IN_PROGRESS')");
      await db.raw("create index action_items_overdue_scan on action_items (due_time) where status in ('OPEN','IN_PROGRESS')");

      await db.schema.createTable("action_item_progress", (t) => {
        t.uuid("action_item_id").notNullable().references("action_item_id").inTable("action_items").onDelete("CASCADE");
        t.integer("position").notNullable();
        t.text("status").notNullable();
        t.text("note").notNullable();
        t.text("actor").notNullable();
        t.text("request_id").notNullable().defaultTo("");
        t.text("jurisdiction").notNullable();
        t.timestamp("occurred_at", { useTz: true }).notNullable();
        t.primary(["action_item_id", "position"]);
      });
    },
  },
  {
    name: "0007_consultation_changes",
    async up(db) {
      // Districts a municipal consultation concerns (they receive its agenda).
      await db.schema.alterTable("consultations", (t) => {
        t.specificType("concerned_jurisdiction_codes", "text[]").notNullable().defaultTo("{}");
      });
      await db.raw("create index consultations_by_mechanism on consultations (mechanism_id, scheduled_time)");
      // Attendees get an id so one can be removed; those recorded before get one now.
      await db.schema.alterTable("consultation_attendees", (t) => t.uuid("attendee_id"));
      await db.raw("update consultation_attendees set attendee_id = gen_random_uuid()");
      await db.raw("alter table consultation_attendees alter column attendee_id set not null");
      await db.raw("create unique index consultation_attendees_by_id on consultation_attendees (attendee_id)");
      // Corrections of an outcome's text: versions 2, 3, ...; the row in consultation_outcomes
      // keeps the text as recorded (version 1).
      await db.schema.createTable("consultation_outcome_corrections", (t) => {
        t.uuid("outcome_id").notNullable().references("outcome_id").inTable("consultation_outcomes").onDelete("CASCADE");
        t.integer("version").notNullable();
        t.text("text").notNullable();
        t.text("reason").notNullable();
        t.text("actor").notNullable();
        t.text("request_id").notNullable().defaultTo("");
        t.text("jurisdiction").notNullable();
        t.timestamp("occurred_at", { useTz: true }).notNullable();
        t.primary(["outcome_id", "version"]);
        t.check("version >= 2");
      });
      // Joint owners beside the lead owner ({organisationId, departmentId} objects, in order).
      await db.schema.alterTable("action_items", (t) => {
        t.jsonb("joint_owners").notNullable().defaultTo("[]");
      });
      await db.raw("create index action_items_by_origin_consultation on action_items (origin_consultation_id)");
      // The origin constraint gains items raised by a district to the city.
      const checks = await db.raw(
        `select conname from pg_constraint
          where conrelid = 'action_items'::regclass and contype = 'c' and pg_get_constraintdef(oid) like '%origin%'`,
      );
      for (const r of checks.rows as { conname: string }[]) await db.raw(`alter table action_items drop constraint "${r.conname}"`);
      await db.raw(
        "alter table action_items add constraint action_items_origin_check check (origin in ('LOCAL','ASSIGNED_BY_CITY','RAISED_BY_DISTRICT'))",
      );
      // The owning organisation a progress report names ({creditCode, jurisdictionCode, name}).
      await db.schema.alterTable("action_item_progress", (t) => t.jsonb("reported_by"));
      // Due-date extensions, oldest first; their count numbers them across nodes.
      await db.schema.createTable("action_item_extensions", (t) => {
        t.uuid("action_item_id").notNullable().references("action_item_id").inTable("action_items").onDelete("CASCADE");
        t.integer("position").notNullable();
        t.timestamp("previous_due_time", { useTz: true }).notNullable();
        t.timestamp("due_time", { useTz: true }).notNullable();
        t.text("reason").notNullable();
        t.text("actor").notNullable();
        t.text("request_id").notNullable().defaultTo("");
        t.text("jurisdiction").notNullable();
        t.timestamp("occurred_at", { useTz: true }).notNullable();
        t.primary(["action_item_id", "position"]);
      });
      // At a district: agendas of municipal consultations concerning it, the newest revision each.
      await db.schema.createTable("received_agendas", (t) => {
        t.uuid("consultation_id").primary();
        t.text("issuing_jurisdiction_code").notNullable();
        t.text("kind").notNullable();
        t.text("title").notNullable();
        t.timestamp("scheduled_time", { useTz: true }).notNullable();
        t.text("location").notNullable().defaultTo("");
        t.text("status").notNullable();
        t.jsonb("agenda").notNullable();
        t.jsonb("attendees").notNullable();
        t.specificType("concerned_jurisdiction_codes", "text[]").notNullable();
        t.integer("revision").notNullable();
        t.text("reason").notNullable().defaultTo("");
        t.timestamp("received_at", { useTz: true }).notNullable();
        t.check("status in ('PLANNED','CANCELLED')");
      });
      await db.raw("create index received_agendas_listing on received_agendas (scheduled_time, consultation_id)");
    },
  },
  {
    // A district may raise an action to the city outside a consultation (RaiseActionItem): such
    // an item, here and at the city, has no deciding or tracking consultation.
    name: "0013_action_items_raised_directly",
    async up(db) {
      await db.raw(
        "alter table action_items alter column origin_consultation_id drop not null, alter column consultation_id drop not null",
      );
    },
  },
];
