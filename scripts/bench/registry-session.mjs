// The shared resources of the registry scenario, each started once on first need and closed in
// reverse order: a private redis-server and nats-server (@prism/testkit), one real proxy whose
// config is built when it is first needed (so it serves only the selected targets' namespaces), and
// a lean gRPC load on that proxy.
import { importBuilt } from "./built-packages.mjs";
import { createGrpcLoad } from "./grpc-load.mjs";
import { startBenchProxy } from "./proxy-process.mjs";

/**
 * Returns { shared: { redis(), nats(), proxy(), load() }, onClose(close), close() }: redis() and nats()
 * resolve to a testkit server ({ url, stop }), proxy() to a started bench proxy with
 * `await proxyConfig(shared)`, load() to a grpc-load on it. Call close() in a finally, also when something threw.
 */
export function openRegistrySession(proxyConfig) {
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
  const testServer = (name) =>
    onFirstNeed(
      () => importBuilt("testkit/dist/index.js").then((testing) => testing[name]()),
      (server) => server.stop(),
    );
  const shared = {
    redis: testServer("startRedisServer"),
    nats: testServer("startNatsServer"),
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
    shared,
    /** Registers `close` to run at the session's close (before whatever was opened earlier). */
    onClose: (close) => closers.push(close),
    async close() {
      // Reverse order: clients before the proxy, the proxy before the servers it talks to.
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
