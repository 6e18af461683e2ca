/**
 * Telemetry bootstrap. Load it before anything requires grpc-js, kafkajs or pg:
 *   node --require @jinlian/chassis/telemetry-bootstrap dist/main.js
 * so that the pg instrumentation can patch the driver. gRPC and Kafka spans come from the
 * chassis itself (interceptors, outbox relay, consumer), which propagate W3C trace context.
 *
 * Environment (all optional): OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT (traces over OTLP/gRPC
 * when set), METRICS_PORT (Prometheus scrape endpoint, default 9464; 0 disables),
 * OTEL_NODE_DISABLED_INSTRUMENTATIONS (comma list; "pg" leaves PostgreSQL statements
 * uninstrumented), OTEL_SDK_DISABLED=true to turn everything off.
 */
import { INSTRUMENTATIONS, parseDisabledInstrumentations, startTelemetry } from "./sdk";

if (process.env.OTEL_SDK_DISABLED !== "true") {
  const port = Number(process.env.METRICS_PORT ?? "9464");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`telemetry: METRICS_PORT must be a port number (got "${process.env.METRICS_PORT}")\n`);
    process.exit(78);
  }
  const { disabled, unknown } = parseDisabledInstrumentations(process.env.OTEL_NODE_DISABLED_INSTRUMENTATIONS);
  if (unknown.length > 0) {
    process.stderr.write(
      `telemetry: OTEL_NODE_DISABLED_INSTRUMENTATIONS names no instrumentation of the chassis: ${unknown.join(", ")} (known: ${INSTRUMENTATIONS.join(", ")})\n`,
    );
    process.exit(78);
  }
  startTelemetry({
    disabledInstrumentations: disabled,
    serviceName: process.env.OTEL_SERVICE_NAME ?? "jinlian-node",
    metricsPort: port === 0 ? undefined : port,
    otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT,
  });
}
