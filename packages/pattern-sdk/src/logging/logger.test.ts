// The JSON-lines logger: levels, child fields, and errors written with their stack and cause chain.
import { context, trace } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { startTracing } from "../tracing/start-tracing.js";
import { createLogger } from "./logger.js";

/** A logger writing parsed records into `records`. */
function recording(level: "debug" | "info" = "info") {
  const records: Record<string, unknown>[] = [];
  const logger = createLogger({ level, write: (line) => void records.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, records };
}

describe("createLogger", () => {
  it("writes one JSON object per line with time, level, message, child fields and call fields", () => {
    const { logger, records } = recording();
    logger.child({ component: "proxy" }).info("started", { port: 1 });
    expect(records).toEqual([{ time: expect.any(String), level: "info", msg: "started", component: "proxy", port: 1 }]);
  });

  it("adds the trace and span ids of the call a line is written in, when tracing is on", async () => {
    const { logger, records } = recording();
    logger.info("before tracing");
    const tracing = await startTracing({ serviceName: "logger-test", exporter: new InMemorySpanExporter() });
    try {
      const span = trace.getTracer("test").startSpan("call");
      context.with(trace.setSpan(context.active(), span), () => logger.info("inside the call"));
      logger.info("outside the call");
      span.end();
      expect(records[0]).not.toHaveProperty("trace_id");
      expect(records[1]).toMatchObject({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
      expect(records[2]).not.toHaveProperty("trace_id");
    } finally {
      await tracing?.shutdown();
    }
  });

  it("drops lines below its level", () => {
    const { logger, records } = recording("info");
    logger.debug("noise");
    logger.warn("kept");
    expect(records.map((record) => record.msg)).toEqual(["kept"]);
  });

  it("keeps an error's stack and its cause chain", () => {
    const { logger, records } = recording();
    const root = new Error("ECONNREFUSED 127.0.0.1:6379");
    const error = new Error("cannot reach redis", { cause: root });
    logger.error("start failed", { error });
    const written = records[0]?.error as { message: string; stack: string; cause: { message: string; stack: string } };
    expect(written.message).toBe("cannot reach redis");
    expect(written.stack).toContain("logger.test.ts");
    expect(written.cause.message).toBe("ECONNREFUSED 127.0.0.1:6379");
    expect(written.cause.stack).toContain("Error: ECONNREFUSED");
  });

  it("bounds a circular cause chain instead of failing", () => {
    const { logger, records } = recording();
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    a.cause = b;
    logger.error("loop", { error: a });
    expect(JSON.stringify(records[0])).toContain("(more causes)");
  });
});
