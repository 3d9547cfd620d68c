// Scenario "kv-auth": what authentication costs. KeyValue Get on an in-process memstore namespace
// of two proxies run side by side in this scenario: one open, one verifying bearer tokens from a
// real OpenID provider (@prism/test-idp), with one token reused (so it is verified once, then
// remembered, as in a real client). Each at the bench's concurrency and at 1 call in flight, where
// the difference of the p50s is what a check adds per call.
import { importBuilt } from "./built-packages.mjs";
import { createGrpcLoad } from "./grpc-load.mjs";
import { grpcKvCalls } from "./kv-grpc-calls.mjs";
import { measure } from "./measure.mjs";
import { startBenchProxy } from "./proxy-process.mjs";

const targets = ["proxy memstore inprocess, auth off", "proxy memstore inprocess, auth on (cached token)"];

/** One open and one authenticating proxy, their loads, and the IdP; closed in reverse order. */
async function openProxies() {
  const { startTestIdp } = await importBuilt("../test-idp/dist/index.js");
  const idp = await startTestIdp({ audience: "prism", machines: { "bench-bot": ["bench"] } });
  const namespaces = {
    default: { keyvalue: { backend: "memstore", config: { capacity: 0 } }, access: { read: ["group:bench"], write: ["group:bench"] } },
  };
  const open = await startBenchProxy({ namespaces });
  const guarded = await startBenchProxy({ auth: { issuer: idp.issuer, audience: [idp.audience] }, namespaces });
  const token = await idp.token("bench-bot");
  const openLoad = await createGrpcLoad(open.url, { sessions: 4 });
  const guardedLoad = await createGrpcLoad(guarded.url, { sessions: 4 });
  return {
    calls: {
      [targets[0]]: await grpcKvCalls(openLoad, "default"),
      [targets[1]]: await grpcKvCalls(guardedLoad, "default", { authorization: `Bearer ${token}` }),
    },
    async close() {
      await openLoad.close();
      await guardedLoad.close();
      await open.stop();
      await guarded.stop();
      await idp.close();
    },
  };
}

export const kvAuthScenario = {
  name: "kv-auth",
  targets,

  /** Yields Get at the bench's concurrency and at 1 in flight for each selected target. */
  open(selected) {
    let opened;
    return {
      async *cases() {
        opened = await openProxies();
        for (const target of selected) {
          const { Get } = opened.calls[target];
          yield { target, op: "Get", call: Get };
          yield { target, op: "Get ×1 in flight", run: (options) => measure(Get, { ...options, concurrency: 1 }) };
        }
      },
      async close() {
        await opened?.close();
      },
    };
  },
};
