// Registry calls to a proxy over the lean node:http2 gRPC caller (grpc-load.mjs: frames encoded
// once, answers not decoded): populating a namespace with the workload's 10,000 identities (the
// client library would spend most of the setup in its own encoding and decoding), and Enumerate of
// the 1,000-match page, so the proxy's share of what @prism/client sees can be read off the table.
import { importBuilt, importDependencyOf } from "./built-packages.mjs";
import { grpcFrame } from "./grpc-load.mjs";
import {
  benchIdentity,
  benchMetadata,
  enumerateFilter,
  enumerateMatches,
  forEachConcurrently,
  identityCount,
  populateConcurrency,
  registrationTtlMs,
} from "./registry-workload.mjs";

/** gRPC path of a RegistryService method. */
const registryPath = (method) => `/prism.registry.v1.RegistryService/${method}`;

/** The wire form (map<string, Value> init) of plain metadata. */
function wireMetadata(metadata) {
  const kind = (value) => {
    if (Array.isArray(value)) return { case: "listValue", value: { values: value } };
    if (typeof value === "number") return { case: "numberValue", value };
    if (typeof value === "boolean") return { case: "boolValue", value };
    return { case: "stringValue", value };
  };
  return Object.fromEntries(Object.entries(metadata).map(([name, value]) => [name, { kind: kind(value) }]));
}

/** Registers the workload's identities (replace: true, so it is idempotent) in `namespace` over `load`. */
export async function populateOverGrpc(load, namespace) {
  const { create, toBinary } = await importDependencyOf("pattern-sdk", "@bufbuild/protobuf");
  const { RegisterRequestSchema } = await importBuilt("proto/dist/gen/prism/registry/v1/registry_pb.js");
  const headers = load.headers(registryPath("Register"), { "prism-namespace": namespace });
  await forEachConcurrently(identityCount, populateConcurrency, (i) => {
    const request = create(RegisterRequestSchema, {
      identity: benchIdentity(i),
      metadata: wireMetadata(benchMetadata(i)),
      ttlMs: BigInt(registrationTtlMs),
      replace: true,
    });
    return load.unary(headers, grpcFrame(toBinary(RegisterRequestSchema, request)));
  });
}

/** Returns { Enumerate } over `load` on `namespace`: the 1,000-match page with metadata, the answer not decoded. */
export async function grpcRegistryCalls(load, namespace) {
  const { create, toBinary } = await importDependencyOf("pattern-sdk", "@bufbuild/protobuf");
  const { EnumerateRequestSchema } = await importBuilt("proto/dist/gen/prism/registry/v1/registry_pb.js");
  const { toFilter } = await importBuilt("client/dist/index.js");
  const headers = load.headers(registryPath("Enumerate"), { "prism-namespace": namespace });
  const request = create(EnumerateRequestSchema, { filter: toFilter(enumerateFilter), limit: enumerateMatches, includeMetadata: true });
  const frame = grpcFrame(toBinary(EnumerateRequestSchema, request));
  return { Enumerate: () => load.unary(headers, frame) };
}
