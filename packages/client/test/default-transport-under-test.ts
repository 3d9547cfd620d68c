// `#default-transport` in the client's tests: the real Node default transport, with protocol
// "grpc" carried by the transport under test unless a test names one (see transport-under-test.ts).
import type { Transport } from "@connectrpc/connect";
import { createDefaultTransport as createNodeDefaultTransport } from "../src/transport/default-transport-node.js";

export { streamsRequests } from "../src/transport/default-transport-node.js";
import type { TransportOptions } from "../src/transport/transport-options.js";
import { transportUnderTest } from "./transport-under-test.js";

/** createDefaultTransport of Node, defaulting nodeTransport to the transport under test. */
export function createDefaultTransport(options: TransportOptions): Transport {
  return createNodeDefaultTransport({ nodeTransport: transportUnderTest, ...options });
}
