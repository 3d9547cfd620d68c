// The KeyValue workload every KeyValue target runs: Get and Set of 100-byte values over a fixed key
// set, each at the bench's concurrency and at 1 call in flight, and the protobuf-es pieces (create,
// toBinary, request schemas) to build its messages.
import { importBuilt, importDependencyOf } from "./built-packages.mjs";
import { measure } from "./measure.mjs";

/** Bytes per value. */
export const valueBytes = 100;
/** Distinct keys, pre-populated before any Get. */
export const keyCount = 1000;
/** Operations run against every KeyValue target, in table order. */
export const kvOps = ["Get", "Set"];
/** gRPC path of a KeyValueService method. */
export const kvPath = (method) => `/prism.keyvalue.v1.KeyValueService/${method}`;

/** The value written by every Set (and pre-population). */
export const benchValue = new Uint8Array(valueBytes).fill(0x61);
/** The keys, "bench:0" … "bench:999". */
export const benchKeys = Array.from({ length: keyCount }, (_, i) => `bench:${i}`);

/** Loads protobuf-es `create`/`toBinary` and the KeyValue request schemas. */
export async function loadKvProtocol() {
  const { create, toBinary } = await importDependencyOf("pattern-sdk", "@bufbuild/protobuf");
  const { GetRequestSchema, SetRequestSchema } = await importBuilt("proto/dist/gen/prism/keyvalue/v1/keyvalue_pb.js");
  return { create, toBinary, GetRequestSchema, SetRequestSchema };
}

/** The op name of `op` measured at 1 call in flight. */
export const oneInFlight = (op) => `${op} ×1 in flight`;

/** A KeyValue target's cases: per op, `calls[op]` at the bench's concurrency, then at 1 in flight. */
export const kvCases = (target, calls) =>
  kvOps.flatMap((op) => [
    { target, op, call: calls[op] },
    { target, op: oneInFlight(op), run: (options) => measure(calls[op], { ...options, concurrency: 1 }) },
  ]);
