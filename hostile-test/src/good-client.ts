// The well-behaved client: its own loopback address (127.0.0.2, so per-client-address bounds that
// stop an attacker on 127.0.0.1 never apply to it), plain gRPC KeyValue calls with a 2 s deadline,
// and a loop that keeps calling while an attack runs and reports every call that did not succeed.
import { GetRequestSchema, GetResponseSchema, SetRequestSchema, SetResponseSchema } from "@prism/proto/keyvalue/v1";
import { PublishRequestSchema, PublishResponseSchema } from "@prism/proto/pubsub/v1";
import { callUnary } from "@prism/wire";
import { type ClientHttp2Session, connect } from "node:http2";
import { connect as connectTcp } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** The loopback address the well-behaved client connects from (attackers use others). */
export const goodAddress = "127.0.0.2";

/** The deadline of every good call: it must succeed within it, whatever an attacker does. */
export const goodDeadlineMs = 2000;

/** Opens an HTTP/2 (prior knowledge) session to `url` from `localAddress`; resolves once connected. */
export function connectFrom(url: string, localAddress: string): Promise<ClientHttp2Session> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const session = connect(url, { createConnection: () => connectTcp({ host: hostname, port: Number(port), localAddress }) });
    session.once("connect", () => {
      session.off("error", reject);
      session.on("error", () => {});
      resolve(session);
    });
    session.once("error", reject);
  });
}

/** A session is reopened after this much quiet, so a proxy's idle GOAWAY never races a call. */
const reuseWithinMs = 500;

/** gRPC KeyValue calls from the good address, one connection at a time. */
export class GoodClient {
  private session: ClientHttp2Session | undefined;
  private lastUsed = 0;

  constructor(
    private readonly url: string,
    private readonly localAddress = goodAddress,
  ) {}

  /** Sets `key` in `namespace`. */
  async set(namespace: string, key: string, value: string, timeoutMs = goodDeadlineMs): Promise<void> {
    const session = await this.open();
    await callUnary(
      session,
      "/prism.keyvalue.v1.KeyValueService/Set",
      SetRequestSchema,
      SetResponseSchema,
      {
        key,
        value: new TextEncoder().encode(value),
      },
      { timeoutMs, headers: { "prism-namespace": namespace } },
    );
  }

  /** Gets `key` of `namespace` as text (throws the ConnectError of a failed call, NOT_FOUND included). */
  async get(namespace: string, key: string, timeoutMs = goodDeadlineMs): Promise<string> {
    const session = await this.open();
    const response = await callUnary(
      session,
      "/prism.keyvalue.v1.KeyValueService/Get",
      GetRequestSchema,
      GetResponseSchema,
      { key },
      {
        timeoutMs,
        headers: { "prism-namespace": namespace },
      },
    );
    return new TextDecoder().decode(response.value);
  }

  /** Publishes `payload` to `topic` of `namespace`. */
  async publish(namespace: string, topic: string, payload: string, timeoutMs = goodDeadlineMs): Promise<void> {
    const session = await this.open();
    await callUnary(
      session,
      "/prism.pubsub.v1.PubSubService/Publish",
      PublishRequestSchema,
      PublishResponseSchema,
      {
        topic,
        payload: new TextEncoder().encode(payload),
      },
      { timeoutMs, headers: { "prism-namespace": namespace } },
    );
  }

  /** Sets then gets a fresh key in `namespace`; throws unless both succeed (each within `timeoutMs`) and the value reads back. */
  async roundTrip(namespace: string, tag: string, timeoutMs = goodDeadlineMs): Promise<void> {
    const key = `good-${tag}`;
    await this.set(namespace, key, tag, timeoutMs);
    const value = await this.get(namespace, key, timeoutMs);
    if (value !== tag) throw new Error(`read back ${JSON.stringify(value)} instead of ${JSON.stringify(tag)}`);
  }

  /** Closes the connection. */
  close(): void {
    this.session?.destroy();
    this.session = undefined;
  }

  private async open(): Promise<ClientHttp2Session> {
    const now = Date.now();
    if (!this.session || this.session.closed || this.session.destroyed || now - this.lastUsed > reuseWithinMs) {
      this.session?.close();
      this.session = await connectFrom(this.url, this.localAddress);
    }
    this.lastUsed = now;
    return this.session;
  }
}

/** What the good client saw while an attack ran. */
export interface GoodReport {
  /** Round trips (a Set and a Get) attempted. */
  roundTrips: number;
  /** Every round trip that failed, with its namespace and error. */
  failures: string[];
  /** The slowest successful round trip, in milliseconds. */
  slowestMs: number;
}

/** A loop of good round trips; stop() ends it and reports. */
export interface GoodLoop {
  stop(): Promise<GoodReport>;
}

/**
 * Keeps doing Set/Get round trips on every namespace in `namespaces` (one after another) until
 * stopped; each call has `timeoutMs` (default the good deadline).
 */
export function keepServing(client: GoodClient, namespaces: string[], pauseMs = 20, timeoutMs = goodDeadlineMs): GoodLoop {
  const report: GoodReport = { roundTrips: 0, failures: [], slowestMs: 0 };
  let running = true;
  const loop = (async () => {
    for (let round = 0; running; round++) {
      for (const namespace of namespaces) {
        report.roundTrips++;
        try {
          const started = performance.now();
          await client.roundTrip(namespace, `${namespace}-${round}`, timeoutMs);
          report.slowestMs = Math.max(report.slowestMs, performance.now() - started);
        } catch (error) {
          report.failures.push(`${namespace}: ${(error as Error).message}`);
        }
      }
      await sleep(pauseMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return report;
    },
  };
}
