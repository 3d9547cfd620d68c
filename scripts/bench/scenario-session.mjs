// What every scenario's open(selected) does: opens shared resources on first need (a private backend
// server from @prism/testkit, one real proxy, a lean gRPC load on it), prepares each
// selected target just before its cases run, and closes all that was opened in reverse order.
import { importBuilt } from "./built-packages.mjs";
import { createGrpcLoad } from "./grpc-load.mjs";
import { startBenchProxy } from "./proxy-process.mjs";

/**
 * Opens a scenario session over `selected` targets:
 * - `targets[target](shared)` → { calls, close? } prepares a target (`close` runs at the session's close);
 * - `casesOf(target, calls)` → the target's cases ({ target, op, call | run });
 * - `proxyConfig(shared)` → the proxy's config (a prism.yaml object), awaited on first need of the proxy;
 * - `testServer`: the @prism/testkit starter (e.g. "startRedisServer") behind `shared.server()`.
 * `shared` has server(), proxy() and load(), each started once on first call. Returns { cases(), close() };
 * call close() in a finally, also when iteration threw.
 */
export function openScenarioSession(selected, { targets, casesOf, proxyConfig, testServer }) {
  const closers = [];
  /** Memoizes `start()`; once it resolved, `close(value)` runs at the session's close. */
  const onFirstNeed = (start, close) => {
    let started;
    return () =>
      (started ??= start().then((value) => {
        closers.push(() => close(value));
        return value;
      }));
  };
  const shared = {
    server: onFirstNeed(
      () => importBuilt("testkit/dist/index.js").then((testing) => testing[testServer]()),
      (server) => server.stop(),
    ),
    proxy: onFirstNeed(
      async () => startBenchProxy(await proxyConfig(shared)),
      (proxy) => proxy.stop(),
    ),
    load: onFirstNeed(
      () => shared.proxy().then(({ url }) => createGrpcLoad(url, { sessions: 4 })),
      (load) => load.close(),
    ),
  };
  return {
    async *cases() {
      for (const target of selected) {
        const { calls, close } = await targets[target](shared);
        if (close) closers.push(close);
        yield* casesOf(target, calls);
      }
    },
    async close() {
      // Reverse order: clients before the proxy, the proxy before the backend server it talks to.
      for (const close of closers.reverse()) {
        try {
          await close();
        } catch (error) {
          console.error(`bench: cleanup failed: ${error.message}`);
        }
      }
    },
  };
}
