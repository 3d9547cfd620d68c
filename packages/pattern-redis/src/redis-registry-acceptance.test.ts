// The Multicast Registry acceptance suite against the redis pattern's registry on a private
// redis-server (and nats-server), called directly through the SDK's handlers: on one pattern instance
// with Redis pub/sub messaging, and with every Listen on a second instance sharing the servers (so each
// multicast crosses instances) over Redis pub/sub and over NATS messaging.
import {
  directRegistryCaller,
  type NatsServer,
  type RegistryCaller,
  registryAcceptanceSuite,
  type RedisServer,
  startNatsServer,
  startPatternInstance,
  startRedisServer,
  type StartedPatternInstance,
} from "@prism/testkit";
import { afterAll, beforeAll } from "vitest";
import { redisPattern } from "./redis-pattern.js";

/** The identity limit of the limited registry (its own namespace, so its own key prefix). */
const LIMITED_MAX_IDENTITIES = 5;

let redis: RedisServer;
let nats: NatsServer;
beforeAll(async () => {
  [redis, nats] = await Promise.all([startRedisServer(), startNatsServer()]);
});
afterAll(async () => {
  await Promise.all([redis?.stop(), nats?.stop()]);
});

/** Starts the redis pattern on the shared servers for `namespace`, with `messaging` as its messaging slot. */
function start(namespace: string, messaging: "redis" | "nats"): Promise<StartedPatternInstance> {
  return startPatternInstance(redisPattern, { url: redis.url, messaging: { backend: messaging, url: nats.url } }, namespace);
}

/** `caller` with Listen served by `listener` instead. */
function listeningOn(caller: RegistryCaller, listener: RegistryCaller): RegistryCaller {
  return { ...caller, listen: (request, options) => listener.listen(request, options) };
}

for (const [label, messaging, crossInstance] of [
  ["redis (direct)", "redis", false],
  ["redis (direct, Listen on another instance)", "redis", true],
  ["redis with NATS messaging (direct, Listen on another instance)", "nats", true],
] as const) {
  registryAcceptanceSuite(label, {
    setup: async () => {
      // Each run has its own namespace, so the runs never see each other's listeners.
      const namespace = `acceptance-${messaging}-${crossInstance ? "cross" : "single"}`;
      const [main, other, limited] = await Promise.all([
        start(namespace, messaging),
        start(namespace, messaging),
        start(`${namespace}-limited`, messaging),
      ]);
      const registry = main.instance.registry!;
      const listenerSide = crossInstance ? other.instance.registry! : registry;
      const client = directRegistryCaller(registry);
      return {
        client: crossInstance ? listeningOn(client, directRegistryCaller(listenerSide)) : client,
        listenerCount: async () => listenerSide.messaging.listenerCount(),
        limited: {
          client: directRegistryCaller(limited.instance.registry!, { maxIdentities: LIMITED_MAX_IDENTITIES }),
          maxIdentities: LIMITED_MAX_IDENTITIES,
        },
        teardown: async () => {
          await Promise.all([main.stop(), other.stop(), limited.stop()]);
        },
      };
    },
  });
}
