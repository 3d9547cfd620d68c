// The gRPC transport this test run exercises, from PRISM_CLIENT_TRANSPORT ("lean", the default, or
// "connect"): vitest.config.ts runs the whole suite once per transport, and this is the one place
// that reads the variable. The default transport (`#default-transport`, aliased in the config to
// test/default-transport-under-test.ts) and the tests that build a gRPC transport themselves both
// take it from here.
import type { Interceptor, Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { createLeanGrpcTransport } from "../src/transport/lean-grpc-transport.js";
import type { NodeGrpcTransport } from "../src/transport/transport-options.js";

/** The gRPC transport under test. */
export const transportUnderTest: NodeGrpcTransport = readTransport(process.env.PRISM_CLIENT_TRANSPORT);

function readTransport(value: string | undefined): NodeGrpcTransport {
  if (value === undefined || value === "" || value === "lean") return "lean";
  if (value === "connect") return "connect";
  throw new Error(`PRISM_CLIENT_TRANSPORT=${JSON.stringify(value)}: use "lean" or "connect"`);
}

/** A gRPC transport of the kind under test (for tests that hand createPrismClient a transport of their own). */
export function createGrpcTransportUnderTest(options: { baseUrl: string; interceptors?: Interceptor[] }): Transport {
  return transportUnderTest === "lean" ? createLeanGrpcTransport(options) : createGrpcTransport(options);
}
