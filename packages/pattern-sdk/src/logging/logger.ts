// Structured JSON-lines logging to stderr: one object per line with time, level, message, the
// trace ids of the call it was written in (when traced) and fields.

import { activeTraceIds } from "../tracing/call-spans.js";

/** Log severity, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Extra structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** A structured logger; `child` adds fields to every line it writes. */
export interface Logger {
  /** Detail useful only when debugging. */
  debug(msg: string, fields?: LogFields): void;
  /** Normal operation: what started, where, what changed. */
  info(msg: string, fields?: LogFields): void;
  /** Something is off but work continues. */
  warn(msg: string, fields?: LogFields): void;
  /** Something failed. */
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

/** Options of `createLogger`. */
export interface LoggerOptions {
  /** Lines below this level are dropped (default: PRISM_LOG_LEVEL or "info"). */
  level?: LogLevel;
  /** Where lines go (default: process.stderr). */
  write?: (line: string) => void;
  /** Fields on every line. */
  fields?: LogFields;
}

/** Creates a JSON-lines logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const envLevel = process.env.PRISM_LOG_LEVEL as LogLevel | undefined;
  const min = rank[options.level ?? (envLevel && envLevel in rank ? envLevel : "info")];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const make = (base: LogFields): Logger => {
    const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
      if (rank[level] < min) return;
      // Inside a traced call, the line carries its trace and span ids (trace_id, span_id).
      const record = { time: new Date().toISOString(), level, msg, ...activeTraceIds(), ...base, ...fields };
      write(`${JSON.stringify(record, errorReplacer)}\n`);
    };
    return {
      debug: (msg, fields) => emit("debug", msg, fields),
      info: (msg, fields) => emit("info", msg, fields),
      warn: (msg, fields) => emit("warn", msg, fields),
      error: (msg, fields) => emit("error", msg, fields),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make(options.fields ?? {});
}

/** How many causes deep an error is written (a cause chain can be long, or circular). */
const maxCauseDepth = 5;

/** An error as a JSON value: name, message, stack and, when set, its cause (nested, bounded). */
function errorFields(error: Error, depth: number): Record<string, unknown> {
  const fields: Record<string, unknown> = { name: error.name, message: error.message };
  if (error.stack) fields.stack = error.stack;
  if (error.cause !== undefined) {
    const { cause } = error;
    fields.cause = depth >= maxCauseDepth ? "(more causes)" : cause instanceof Error ? errorFields(cause, depth + 1) : cause;
  }
  return fields;
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return errorFields(value, 0);
  if (typeof value === "bigint") return value.toString();
  return value;
}
