import { defineServiceModule, env } from "@jinlian/chassis";
import { RegistryProjection } from "@jinlian/registry-projection";
import { CITY_JURISDICTION } from "@jinlian/kernel";
import { BulletinsApp } from "./app/bulletins-app";
import { Briefings } from "./app/briefings";
import { BulletinForwarding } from "./app/forwarding";
import { BulletinDeliveries } from "./app/inbound";
import { AcknowledgementOverdueScanner } from "./app/overdue-scanner";
import { UnreadWork } from "./app/unread-work";
import { SERVICE } from "./domain/bulletin-events";
import { bulletinsMigrations } from "./persistence/migrations";
import { bulletinsGrpcService } from "./transport/grpc/bulletins-grpc";
import { briefingConsumers } from "./transport/kafka/briefing-consumers";
import { bulletinDeliveries } from "./transport/kafka/deliveries";
import { bulletinsTopics } from "./transport/kafka/topology";

/** The bulletins service (art. 20): numbered bulletins delivered between nodes, with read receipts. */
export const bulletinsModule = defineServiceModule({
  name: SERVICE,
  schema: SERVICE,
  migrations: bulletinsMigrations,
  topics: bulletinsTopics,
  config: {
    /** How often recipients held here past an acknowledgement deadline are looked for and alerts raised. */
    BULLETINS_OVERDUE_SCAN_INTERVAL_MS: env.positiveInt(60_000),
  },
  create(deps) {
    const organisations = new RegistryProjection({ db: deps.db, node: deps.node, clock: deps.clock, logger: deps.logger });
    const app = new BulletinsApp(deps.kit, organisations);
    const deliveries = new BulletinDeliveries(deps.kit);
    const forwarding = new BulletinForwarding(deps.kit, app);
    const unread = new UnreadWork(deps.kit);
    const interval = deps.config.BULLETINS_OVERDUE_SCAN_INTERVAL_MS;
    const scanner = new AcknowledgementOverdueScanner(deps.kit, interval);
    const briefings = new Briefings(deps.kit, app);
    return {
      grpcServices: [bulletinsGrpcService(app, organisations, deps.grpc, { forwarding, unread }, briefings)],
      consumers: [
        {
          stream: { service: SERVICE, stream: "deliveries" },
          handlers: bulletinDeliveries(deliveries, forwarding),
        },
        // Its own consumer group: a node whose bulletins starts after the registry has events
        // replays the (compacted) registry topic from the start.
        organisations.consumer(),
        // At the city: the districts' statistics that briefings are compiled from.
        ...(deps.node.jurisdictionCode === CITY_JURISDICTION ? briefingConsumers(briefings) : []),
      ],
      jobs: [{ name: "overdue-scanner", start: () => scanner.start(), stop: () => scanner.stop() }],
      // Tests run scans on demand (several scanners stand for several replicas).
      seams: {
        app,
        organisations,
        overdueScanner: (batchSize?: number) => new AcknowledgementOverdueScanner(deps.kit, interval, batchSize),
      },
    };
  },
});
