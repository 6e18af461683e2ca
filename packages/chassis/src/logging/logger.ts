import { trace } from "@opentelemetry/api";
import pino from "pino";
import { currentRequestContext } from "./context";

export type Logger = pino.Logger;

export interface LoggerOptions {
  level?: string;
  /** Static fields on every line, e.g. service, jurisdiction. */
  base?: Record<string, unknown>;
  /** Where lines go; stdout by default. Tests pass a stream to read them back. */
  destination?: pino.DestinationStream;
}

/** Structured JSON logs; every line carries the active trace/span id and the request id. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const fields: Record<string, string> = {};
        const span = trace.getActiveSpan();
        if (span) {
          const sc = span.spanContext();
          fields.trace_id = sc.traceId;
          fields.span_id = sc.spanId;
        }
        const ctx = currentRequestContext();
        if (ctx) fields.request_id = ctx.requestId;
        return fields;
      },
    },
    options.destination,
  );
}
