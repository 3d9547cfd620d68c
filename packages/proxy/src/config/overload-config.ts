// The proxy's overload budget (the `overload:` block of prism.yaml): bounds on connections, streams,
// bytes, headers, idle time and deadlines, each with a documented default, so that no client can
// starve the proxy or the others. Past a bound a client gets a clean status and the log one line.
import { type ConfigOf, field } from "@prism/pattern-sdk";

/** Schema of `overload`. */
export const overloadSchema = {
  maxConnections: field.integer("client connections open at once; a connection past it is closed at once (and logged)", {
    default: 10_000,
    min: 1,
  }),
  maxConnectionsPerClient: field.integer("connections open at once from one client address", { default: 256, min: 1 }),
  maxStreamsPerConnection: field.integer("calls one HTTP/2 connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS)", {
    default: 256,
    min: 1,
    max: 100_000,
  }),
  maxCallsPerClient: field.integer(
    "calls one client address may have in flight to a process-isolated pattern; more are RESOURCE_EXHAUSTED, so one client " +
      "cannot take a namespace's whole capacity",
    { default: 1000, min: 1 },
  ),
  maxBufferedBytes: field.integer("request bytes buffered across every call in flight; a call past it is RESOURCE_EXHAUSTED", {
    default: 256 * 1024 * 1024,
    min: 1024 * 1024,
  }),
  maxBufferedBytesPerClient: field.integer(
    "request bytes one client address may have buffered at once (its share of maxBufferedBytes, so one client cannot take it " +
      "all); a call past it is RESOURCE_EXHAUSTED",
    { default: 64 * 1024 * 1024, min: 1024 * 1024 },
  ),
  maxHeaderBytes: field.integer("size of one request's headers (HTTP/2 header list, HTTP/1.1 header block)", {
    default: 16 * 1024,
    min: 1024,
    max: 1024 * 1024,
  }),
  headersTimeoutMs: field.integer("time a client has after connecting (or, on HTTP/1.1, after a request) to send complete headers", {
    default: 10_000,
    min: 100,
  }),
  requestTimeoutMs: field.integer("time an HTTP/1.1 request has to arrive whole, headers and body (Connect, gRPC-Web)", {
    default: 300_000,
    min: 100,
  }),
  idleTimeoutMs: field.integer("a connection with no call open for this long is closed (HTTP/2 with GOAWAY)", {
    default: 120_000,
    min: 100,
  }),
  maxDeadlineMs: field.integer("longest call deadline honoured; a longer grpc-timeout or connect-timeout-ms is clamped to it", {
    default: 86_400_000,
    min: 1000,
    max: 2_000_000_000,
  }),
} as const;

/** The validated `overload` block. */
export type OverloadConfig = ConfigOf<typeof overloadSchema>;
