import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
  type Tracer,
} from "@opentelemetry/api";

export const TRACER_NAME = "@jinlian/chassis";

export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

type Carrier = Record<string, string>;

/** W3C trace context of the active span, as headers (traceparent, tracestate). */
export function currentTraceHeaders(ctx: Context = context.active()): Carrier {
  const carrier: Carrier = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

const bufferHeaderGetter: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const v = carrier[key];
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v)) return v.map((x) => String(x));
    return Buffer.isBuffer(v) ? v.toString("utf8") : String(v);
  },
};

/** Context carried in headers (string or Buffer values), e.g. Kafka headers or gRPC metadata. */
export function extractTraceContext(headers: Record<string, unknown>): Context {
  return propagation.extract(context.active(), headers, bufferHeaderGetter);
}

/** Runs fn inside a new span, ending it and recording failure; the span is active for fn. */
export async function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Record<string, string | number | boolean>; parent?: Context },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer().startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes },
    parent,
    async (span) => {
      try {
        const result = await fn(span);
        return result;
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

export { SpanKind, SpanStatusCode };
