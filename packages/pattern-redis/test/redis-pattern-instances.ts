// Helpers of the redis pattern's tests: pattern instances started on a test redis-server (and
// stopped together), the file-wide server with its admin connection, their health, and a
// one-message-at-a-time subscription.
import type { HealthReport, PatternInstance, PubSubBackend, PubSubSubscription } from "@prism/pattern-sdk";
import { createLogger, parseConfig } from "@prism/pattern-sdk/host";
import { type RedisServer, startRedisServer } from "@prism/testkit";
import type { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { createRedisClient } from "../src/redis-client.js";
import { redisPattern } from "../src/redis-pattern.js";

/** A started redis pattern instance, which serves PubSub. */
export type StartedRedisPattern = PatternInstance & { pubsub: PubSubBackend };

/** How long to wait for the server, a reconnect or a health change to catch up, and how often to look. */
export const patiently = { timeout: 15_000, interval: 20 };

/** UTF-8 bytes of `value`. */
export const bytes = (value: string): Uint8Array => new TextEncoder().encode(value);

/** Starts redis pattern instances on one server (1 s command timeout) and stops them all at the end. */
export class RedisPatternInstances {
  private readonly started: PatternInstance[] = [];
  private readonly logger = createLogger({ level: "error", write: () => undefined });

  constructor(private readonly url: () => string) {}

  /** A started instance serving `namespace`, with `overrides` over the test defaults. */
  async start(namespace: string, overrides: Record<string, unknown> = {}): Promise<StartedRedisPattern> {
    const config = parseConfig(redisPattern.config, { url: this.url(), commandTimeoutMs: 500, ...overrides });
    const created = await redisPattern.create(config, { namespace, logger: this.logger });
    this.started.push(created);
    await created.start?.();
    const { pubsub } = created;
    if (!pubsub) throw new Error("the redis pattern serves no pubsub");
    return { ...created, pubsub };
  }

  /** Stops every instance started. */
  async stopAll(): Promise<void> {
    for (const created of this.started.splice(0)) await created.stop?.();
  }
}

/** The instance's health report. */
export async function health(pattern: PatternInstance): Promise<HealthReport> {
  const report = await pattern.health?.();
  if (!report) throw new Error("the redis pattern reports no health");
  return report;
}

/** Subscribes to `topic`, ungrouped, one message in flight. */
export function subscribe(pubsub: PubSubBackend, topic: string): Promise<PubSubSubscription> {
  return pubsub.subscribe({ topic, group: "", maxInFlight: 1, signal: new AbortController().signal });
}

/** A test file's redis-server, the test's own admin connection to it, and the pattern instances on it. */
export interface RedisPatternFixture {
  /** The private redis-server. */
  readonly server: RedisServer;
  /** The test's own connection (for CLIENT LIST, INFO, and watching the server); it reconnects after a restart. */
  readonly admin: Redis;
  /** Pattern instances started on the server, stopped after the file. */
  readonly instances: RedisPatternInstances;
}

/** Starts a redis-server and an admin connection before the file's tests and stops everything after them. */
export function redisPatternFixture(): RedisPatternFixture {
  let server: RedisServer | undefined;
  let admin: Redis | undefined;
  const instances = new RedisPatternInstances(() => fixture.server.url);
  const fixture: RedisPatternFixture = {
    get server() {
      if (!server) throw new Error("the redis-server starts in beforeAll");
      return server;
    },
    get admin() {
      if (!admin) throw new Error("the admin connection opens in beforeAll");
      return admin;
    },
    instances,
  };
  beforeAll(async () => {
    server = await startRedisServer();
    admin = createRedisClient(parseConfig(redisPattern.config, { url: server.url, reconnectMaxDelayMs: 100 })).client;
    admin.on("error", () => undefined);
    await admin.connect();
  });
  afterAll(async () => {
    await instances.stopAll();
    admin?.disconnect();
    await server?.stop();
  });
  return fixture;
}
