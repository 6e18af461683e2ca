import { context, diag, DiagLogLevel, metrics, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { AlwaysOffSampler, BatchSpanProcessor, TracerProvider, type SpanProcessor } from "@opentelemetry/sdk-trace";
import { ATTR_DB_QUERY_TEXT, ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";

export interface TelemetryOptions {
  serviceName: string;
  /** Serve Prometheus metrics on this port (path /metrics). */
  metricsPort?: number;
  /** Export traces over OTLP/gRPC to this endpoint. */
  otlpEndpoint?: string;
  /** Extra span processors, e.g. an in-memory exporter in tests. */
  spanProcessors?: SpanProcessor[];
  /**
   * Instrumentations left out (OTEL_NODE_DISABLED_INSTRUMENTATIONS): "pg" drops the statement
   * spans and db_client_operation_duration, which cost about 60 µs of CPU per statement
   * (docs/performance.md).
   */
  disabledInstrumentations?: readonly Instrumentation[];
}

/** The instrumentations the chassis registers, by the names OpenTelemetry's Node SDK gives them. */
export const INSTRUMENTATIONS = ["pg"] as const;
export type Instrumentation = (typeof INSTRUMENTATIONS)[number];

/**
 * OTEL_NODE_DISABLED_INSTRUMENTATIONS as the SDK reads it: a comma list, blanks ignored. A name
 * the chassis does not register is an error, not silently kept on.
 */
export function parseDisabledInstrumentations(value: string | undefined): { disabled: Instrumentation[]; unknown: string[] } {
  const names = (value ?? "")
    .split(",")
    .map((n) => n.trim())
    .filter(Boolean);
  const known = (n: string): n is Instrumentation => (INSTRUMENTATIONS as readonly string[]).includes(n);
  return { disabled: names.filter(known), unknown: names.filter((n) => !known(n)) };
}

export interface Telemetry {
  shutdown(): Promise<void>;
}

let active: Telemetry | undefined;

/** Registers global tracer and meter providers, W3C propagation and the pg instrumentation (unless disabled). */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (active) return active;
  diag.setLogger(
    { error: (m) => process.stderr.write(`otel: ${m}\n`), warn: () => {}, info: () => {}, debug: () => {}, verbose: () => {} },
    DiagLogLevel.ERROR,
  );
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName });
  const spanProcessors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  if (options.otlpEndpoint) spanProcessors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: options.otlpEndpoint }) }));
  // With nowhere to send spans, do not build them: trace ids are still minted and propagated
  // (logs keep their trace_id), but spans are not recorded (measured in docs/benchmarks.md).
  const tracerProvider = new TracerProvider({
    resource,
    spanProcessors,
    ...(spanProcessors.length === 0 ? { sampler: new AlwaysOffSampler() } : {}),
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  trace.setGlobalTracerProvider(tracerProvider);

  let meterProvider: MeterProvider | undefined;
  if (options.metricsPort !== undefined) {
    const exporter = new PrometheusExporter({ port: options.metricsPort, host: "0.0.0.0" });
    meterProvider = new MeterProvider({ resource, readers: [exporter] });
    metrics.setGlobalMeterProvider(meterProvider);
  }
  const unregister = registerInstrumentations({
    tracerProvider,
    instrumentations: options.disabledInstrumentations?.includes("pg")
      ? []
      : [
          new PgInstrumentation({
            requireParentSpan: true,
            requestHook: (span, { query }) => {
              // Statements sent with BEGIN or COMMIT carry their values as literals: rows, names,
              // bodies. A span keeps the statement's shape, as for a parameterised one.
              if (!query.values || query.values.length === 0) span.setAttribute(ATTR_DB_QUERY_TEXT, withoutLiterals(query.text));
            },
          }),
        ],
  });
  active = {
    async shutdown() {
      unregister();
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider?.shutdown()]);
      active = undefined;
    },
  };
  return active;
}

/** `sql` with every quoted literal written as `'?'` (doubled quotes inside one included). */
export function withoutLiterals(sql: string): string {
  return sql.replace(/'(?:[^']|'')*'/g, "'?'");
}
