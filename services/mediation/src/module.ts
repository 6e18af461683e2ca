import { readFile } from "node:fs/promises";
import { auditTrailService, defineServiceModule, env } from "@jinlian/chassis";
import { mediationV1 } from "@jinlian/proto";
import { JinlianError, legalServicesClient, type LegalServicesClient } from "@jinlian/client";
import { status } from "@grpc/grpc-js";
import { RegistryProjection } from "@jinlian/registry-projection";
import { z } from "zod";
import { ArbitratorApp } from "./app/arbitrator-app";
import { CaseApp } from "./app/case-app";
import { CommitteeApp } from "./app/committee-app";
import { CooperationApp } from "./app/cooperation-app";
import { DeadlineScanner } from "./app/deadline-scanner";
import { LegalServicesInbound } from "./app/inbound";
import { NominationApp } from "./app/nomination-app";
import { ReferralSender, referralRequest, type ArbitrationIntake, type SendOutcome } from "./app/referral-sender";
import { StatisticsApp } from "./app/statistics-app";
import type { Case, CasePolicy } from "./domain/case";
import { DEFAULT_COMPOSITION } from "./domain/committee";
import { DAY_MS, SERVICE } from "./domain/common";
import { DEFAULT_NOMINATION_POLICY } from "./domain/nomination";
import { mediationMigrations } from "./persistence/migrations";
import { arbitratorGrpcService } from "./transport/grpc/arbitrator-grpc";
import { caseGrpcService } from "./transport/grpc/case-grpc";
import { committeeGrpcService } from "./transport/grpc/committee-grpc";
import { cooperationCodecs, cooperationGrpcService } from "./transport/grpc/cooperation-grpc";
import { nominationGrpcService } from "./transport/grpc/nomination-grpc";
import { statisticsGrpcService } from "./transport/grpc/statistics-grpc";
import { DELIVERIES, legalServicesConsumers, mediationDeliveries } from "./transport/kafka/deliveries";
import { mediationTopics } from "./transport/kafka/topology";

/** A comma-separated list of whole days, e.g. "7,3,1" (each 1-365), as seconds, largest first. */
const dayList = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((text, ctx): number[] => {
      const parts = (text?.trim() || fallback).split(",").map((s) => s.trim());
      if (parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) < 1 || Number(p) > 365)) {
        ctx.addIssue({ code: "custom", message: "must be whole days 1-365, comma-separated, e.g. 7,3,1" });
        return z.NEVER;
      }
      return [...new Set(parts.map((p) => Number(p) * 24 * 3600))].sort((a, b) => b - a);
    });

/** Permanent refusals of legal-services' intake: sending the same referral again cannot change them. */
const PERMANENT = new Set<number>([status.INVALID_ARGUMENT, status.FAILED_PRECONDITION, status.ALREADY_EXISTS, status.NOT_FOUND]);

/**
 * The mediation service (art. 17-19): chamber people's mediation committees and their mediators,
 * cases with the parties' consent, conflict-checked mediators, sessions, time limits with
 * warnings, agreements and the judicial-confirmation window, failure routes and referrals to
 * arbitration through legal-services, statistics rolled up to the city.
 */
export const mediationModule = defineServiceModule({
  name: SERVICE,
  schema: "mediation",
  migrations: mediationMigrations,
  topics: mediationTopics,
  config: {
    /** A case's time limit in days from its acceptance (default 30: the one month of 司法部《人民调解工作若干规定》 2002). */
    MEDIATION_TIME_LIMIT_DAYS: env.positiveInt(30),
    /** Warnings before the time limit runs out, in days. */
    MEDIATION_TIME_LIMIT_WARNING_DAYS: dayList("7,3,1"),
    /** The window for a joint application for judicial confirmation (人民调解法 art. 33: 30 days). */
    MEDIATION_CONFIRMATION_WINDOW_DAYS: env.positiveInt(30),
    /** Reminders before the confirmation window closes, in days. */
    MEDIATION_CONFIRMATION_REMINDER_DAYS: dayList("7,1"),
    /** How often time limits, confirmation windows and performance deadlines are looked at. */
    MEDIATION_SCAN_INTERVAL_MS: env.positiveInt(60_000),
    /** host:port of legal-services' gRPC at this node (arbitration referrals); empty: referrals wait. */
    MEDIATION_LEGAL_SERVICES_ADDRESS: z.string().trim().default(""),
    /**
     * A file holding the token mediation presents to legal-services where nodes run JINLIAN_AUTH=jwt
     * (roles MEDIATION_COMMITTEE, this node's jurisdiction); read at each call, so a rotated token
     * is used at once. Empty: no token (development mode).
     */
    MEDIATION_LEGAL_SERVICES_TOKEN_FILE: z.string().trim().default(""),
    /** How often pending arbitration referrals are sent. */
    MEDIATION_REFERRAL_SEND_INTERVAL_MS: env.positiveInt(10_000),
    /** The minimum age of a people's assessor at the batch's reference date (人民陪审员法 art. 5: 28). */
    MEDIATION_ASSESSOR_MIN_AGE: env.positiveInt(DEFAULT_NOMINATION_POLICY.assessorMinAge),
    /** The minimum age of a people's supervisor (人民监督员选任管理办法: 23). */
    MEDIATION_SUPERVISOR_MIN_AGE: env.positiveInt(DEFAULT_NOMINATION_POLICY.supervisorMinAge),
    /** Years of practice 仲裁法 asks of an arbitrator on the experience routes (8). */
    MEDIATION_ARBITRATOR_MIN_YEARS: env.positiveInt(8),
  },
  create(deps) {
    const c = deps.config;
    const policy: CasePolicy = {
      timeLimitSeconds: c.MEDIATION_TIME_LIMIT_DAYS * 24 * 3600,
      warningOffsetsSeconds: c.MEDIATION_TIME_LIMIT_WARNING_DAYS,
      confirmationWindowSeconds: (c.MEDIATION_CONFIRMATION_WINDOW_DAYS * DAY_MS) / 1000,
      reminderOffsetsSeconds: c.MEDIATION_CONFIRMATION_REMINDER_DAYS,
    };
    const organisations = new RegistryProjection({ db: deps.db, node: deps.node, clock: deps.clock, logger: deps.logger });
    const committees = new CommitteeApp(deps.kit, DEFAULT_COMPOSITION);
    const cooperation = new CooperationApp(deps.kit, cooperationCodecs);
    const cases = new CaseApp(deps.kit, committees, policy, (trx, before, after) => cooperation.onCaseChanged(trx, before, after));
    const nominations = new NominationApp(deps.kit, {
      ...DEFAULT_NOMINATION_POLICY,
      assessorMinAge: c.MEDIATION_ASSESSOR_MIN_AGE,
      supervisorMinAge: c.MEDIATION_SUPERVISOR_MIN_AGE,
    });
    const arbitrators = new ArbitratorApp(deps.kit, { minYears: c.MEDIATION_ARBITRATOR_MIN_YEARS });
    const statistics = new StatisticsApp(deps.kit);
    const inbound = new LegalServicesInbound(deps.kit, policy);
    const scanner = new DeadlineScanner(deps.kit, policy, c.MEDIATION_SCAN_INTERVAL_MS, deps.logger);

    // Services meet over gRPC: legal-services' intake through the client SDK, made on first use.
    const clients = new Map<string, LegalServicesClient>();
    const intakeAt = (address: string) => (): ArbitrationIntake => {
      const tokenFile = c.MEDIATION_LEGAL_SERVICES_TOKEN_FILE;
      const token = tokenFile ? async () => (await readFile(tokenFile, "utf8")).trim() : undefined;
      // Over mutual TLS where the node serves it: the node's certificate is mediation's identity.
      const w = deps.workloadTls;
      const tls = w ? { files: { rootCerts: w.caFile, certChain: w.certFile, privateKey: w.keyFile, refreshMs: w.refreshMs } } : undefined;
      if (!clients.has(address)) clients.set(address, legalServicesClient({ address, actor: "mediation", deadlineMs: 10_000, token, tls }));
      const referrals = clients.get(address)!.referrals;
      return {
        async submit(request) {
          const r = await referrals.submitArbitrationReferral(request, { requestId: request.referralId });
          return { commission: r.referral?.commission };
        },
      };
    };
    const send = async (intake: ArbitrationIntake, k: Case): Promise<SendOutcome> => {
      try {
        return { ok: true, commission: (await intake.submit(referralRequest(k))).commission };
      } catch (err) {
        if (err instanceof JinlianError) return { ok: false, permanent: PERMANENT.has(err.code), message: err.message };
        return { ok: false, permanent: false, message: String(err) };
      }
    };
    const address = c.MEDIATION_LEGAL_SERVICES_ADDRESS;
    const sender = new ReferralSender(
      deps.kit,
      address ? intakeAt(address) : undefined,
      send,
      c.MEDIATION_REFERRAL_SEND_INTERVAL_MS,
      deps.logger,
    );

    return {
      grpcServices: [
        committeeGrpcService(committees, deps.kit, deps.grpc),
        caseGrpcService(cases, deps.kit, deps.grpc),
        statisticsGrpcService(statistics, deps.grpc),
        nominationGrpcService(nominations, deps.grpc),
        arbitratorGrpcService(arbitrators, deps.grpc),
        cooperationGrpcService(cooperation, deps.grpc),
        auditTrailService(
          mediationV1.AuditTrailServiceService,
          deps.kit.db,
          [
            "committee",
            "mediator",
            "case",
            "statistics_report",
            "nomination_batch",
            "defaulter",
            "arbitrator_recommendation",
            "cooperation",
          ],
          deps.grpc,
        ),
      ],
      consumers: [
        { stream: DELIVERIES, handlers: mediationDeliveries({ statistics, cooperation }, deps.node.jurisdictionCode) },
        // Own consumer groups: each replays its topic from the start.
        organisations.consumer(),
        ...legalServicesConsumers(inbound),
      ],
      jobs: [
        { name: "deadline-scanner", start: () => scanner.start(), stop: () => scanner.stop() },
        {
          name: "referral-sender",
          start: () => sender.start(),
          stop: async () => {
            await sender.stop();
            for (const client of clients.values()) client.close();
          },
        },
      ],
      // Tests reach these: scans and sends on demand (a sender to any address).
      seams: {
        db: deps.db,
        scanner: () => scanner,
        sendReferrals: (legalServicesAddress: string) =>
          new ReferralSender(deps.kit, intakeAt(legalServicesAddress), send, c.MEDIATION_REFERRAL_SEND_INTERVAL_MS, deps.logger).run(),
      },
    };
  },
});
