// KeyValue calls to a proxy over the lean node:http2 gRPC caller (see grpc-load.mjs), with request
// frames encoded once, so the proxy side is what gets measured.
import { grpcFrame } from "./grpc-load.mjs";
import { benchKeys, benchValue, kvPath, loadKvProtocol } from "./kv-workload.mjs";

/** Returns { Get, Set } call functions for `namespace` over a grpc-load (with `headers` added), the keys pre-populated. */
export async function grpcKvCalls(load, namespace, headers = {}) {
  const { create, toBinary, GetRequestSchema, SetRequestSchema } = await loadKvProtocol();
  const extra = { "prism-namespace": namespace, ...headers };
  const getHeaders = load.headers(kvPath("Get"), extra);
  const setHeaders = load.headers(kvPath("Set"), extra);
  const getFrames = benchKeys.map((key) => grpcFrame(toBinary(GetRequestSchema, create(GetRequestSchema, { key }))));
  const setFrames = benchKeys.map((key) => grpcFrame(toBinary(SetRequestSchema, create(SetRequestSchema, { key, value: benchValue }))));
  for (const frame of setFrames) await load.unary(setHeaders, frame);
  const n = benchKeys.length;
  return {
    Get: (i) => load.unary(getHeaders, getFrames[i % n]),
    Set: (i) => load.unary(setHeaders, setFrames[i % n]),
  };
}
