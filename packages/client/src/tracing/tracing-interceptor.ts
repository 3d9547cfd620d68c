// A Connect interceptor that starts an OpenTelemetry CLIENT span per call and sends its W3C trace
// context (`traceparent`) with the call, so the proxy's and the pattern's spans join the caller's
// trace. @opentelemetry/api is an optional peer: it is loaded on the first call, and without it
// (or without a tracer provider registered by the application) calls go on untraced.
import { ConnectError, type Interceptor } from "@connectrpc/connect";

/** @opentelemetry/api (never named in an exported signature, so the published types do not need it installed). */
type OtelApi = typeof import("@opentelemetry/api");

/** gRPC codes that mark a client span as failed (OpenTelemetry's RPC conventions: every non-OK code). */
const spanError = 2; // SpanStatusCode.ERROR

/** The interceptor; it imports @opentelemetry/api on its first call (and traces nothing when that is not installed). */
export function createTracingInterceptor(): Interceptor {
  let loading: Promise<OtelApi | undefined> | undefined;
  return (next) => async (request) => {
    loading ??= import("@opentelemetry/api").catch(() => undefined);
    const otel = await loading;
    if (otel === undefined) return next(request);
    const name = `${request.service.typeName}/${request.method.name}`;
    const span = otel.trace.getTracer("@prism/client").startSpan(name, {
      kind: otel.SpanKind.CLIENT,
      attributes: { "rpc.system": "grpc", "rpc.service": request.service.typeName, "rpc.method": request.method.name },
    });
    const { traceId, spanId, traceFlags } = span.spanContext();
    if (otel.trace.isSpanContextValid(span.spanContext())) {
      request.header.set("traceparent", `00-${traceId}-${spanId}-${(traceFlags & 1) === 1 ? "01" : "00"}`);
    }
    const fail = (error: unknown) => {
      const code = ConnectError.from(error).code;
      span.setAttribute("rpc.grpc.status_code", code);
      span.setStatus({ code: spanError, message: ConnectError.from(error).rawMessage });
      span.end();
    };
    try {
      const response = await otel.context.with(otel.trace.setSpan(otel.context.active(), span), () => next(request));
      if (!response.stream) {
        span.setAttribute("rpc.grpc.status_code", 0);
        span.end();
        return response;
      }
      // A stream the caller never reads still ends its span when the call is aborted.
      request.signal.addEventListener("abort", () => span.isRecording() && span.end(), { once: true });
      const messages = response.message;
      return {
        ...response,
        message: (async function* () {
          try {
            yield* messages;
            span.setAttribute("rpc.grpc.status_code", 0);
          } catch (error) {
            fail(error);
            throw error;
          } finally {
            if (span.isRecording()) span.end();
          }
        })(),
      };
    } catch (error) {
      fail(error);
      throw error;
    }
  };
}
