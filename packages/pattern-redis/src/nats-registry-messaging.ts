// NatsRegistryMessaging: the registry's messaging slot over NATS request/reply, chosen by the redis
// pattern's `messaging: { backend: nats, url }` (the pattern imports this module, and with it the NATS
// client, only then). Listen streams live in a LocalRegistryMessaging; the first local listener of an
// identity subscribes `<subjectPrefix>.registry.inbox.<identity as base64url>`, and each request on it is
// pushed into the local queues and answered "ok" (accepted), "full" (every queue full) or "none" (the
// listener just left). A multicast encodes its delivery once (registry-delivery-envelope.ts) and sends
// one request per target: "ok" is DELIVERED, "full" FAILED, no responders or "none" NOT_LISTENING, no
// answer within the timeout TIMEOUT, NATS not connected FAILED with the reason. With listeners of one
// identity on several instances, the first answer counts.
// The connection is made at start, or, when NATS is unreachable then, in the background every
// reconnectWaitMs until it is (start does not fail); once connected it reconnects forever.
import { setTimeout as delay } from "node:timers/promises";
import {
  connect,
  type Msg,
  type NatsConnection,
  NoRespondersError,
  RequestError,
  type Subscription,
  TimeoutError,
} from "@nats-io/transport-node";
import {
  Code,
  ConnectError,
  type DeliveryOutcome,
  LocalRegistryMessaging,
  type Logger,
  type RegistryDelivery,
  type RegistryListener,
  type RegistryMessaging,
} from "@prism/pattern-sdk";
import { decodeDelivery, encodeDelivery } from "./registry-delivery-envelope.js";

/** Options of a NatsRegistryMessaging. */
export interface NatsRegistryMessagingOptions {
  /** NATS server URL(s), comma-separated. */
  url: string;
  /** Subjects are `<subjectPrefix>.registry.inbox.<identity>`. */
  subjectPrefix: string;
  /** Deliveries held for one slow listener. */
  queueCapacity: number;
  /** How long one connection attempt may take, in milliseconds. */
  connectTimeoutMs: number;
  /** Delay between connection attempts, in milliseconds. */
  reconnectWaitMs: number;
  /** Client name shown by the server's monitoring. */
  name: string;
  /** Where connection changes are logged. */
  logger: Logger;
}

/** How the NATS connection stands, for health. */
export interface NatsMessagingState {
  /** The configured servers. */
  address: string;
  /** "not started", "connecting", "connected", "reconnecting" or "closed". */
  state: string;
}

/** Answers of the listening side. */
const ACCEPTED = "ok";
const FULL = "full";
const NOT_HERE = "none";

/** Registry messaging over NATS request/reply; see the file comment. */
export class NatsRegistryMessaging implements RegistryMessaging {
  private readonly local: LocalRegistryMessaging;
  private readonly subjectPrefix: string;
  private readonly servers: string[];
  private readonly address: string;
  private connection: NatsConnection | undefined;
  private state = "not started";
  private readonly inboxes = new Map<string, Subscription>();
  private readonly stopping = new AbortController();
  private connecting: Promise<void> | undefined;
  private closed = false;

  /** Connects nothing yet (see start). */
  constructor(private readonly options: NatsRegistryMessagingOptions) {
    this.subjectPrefix = `${options.subjectPrefix}.registry.inbox.`;
    this.servers = options.url
      .split(",")
      .map((server) => server.trim())
      .filter((server) => server !== "");
    this.address = this.servers.map((server) => server.replace(/\/\/[^@/]*@/, "//")).join(",");
    this.local = new LocalRegistryMessaging(
      options.queueCapacity,
      (identity) => this.subscribeInbox(identity),
      (identity) => this.releaseInbox(identity),
    );
  }

  /** Connects, or when NATS is unreachable keeps trying in the background; never rejects. */
  async start(): Promise<void> {
    this.state = "connecting";
    if (await this.attempt()) return;
    this.options.logger.warn(`NATS at ${this.address} is not reachable at start; registry Listen and Multicast fail until it is`, {
      server: this.address,
    });
    this.connecting = this.connectLater();
  }

  /** Ends every listener, stops connecting and closes the connection. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.local.closeAll();
    this.stopping.abort();
    await this.connecting;
    const nc = this.connection;
    this.state = "closed";
    if (nc !== undefined && !nc.isClosed()) await nc.close();
  }

  /** Opens a local listener; the first of its identity subscribes its subject (UNAVAILABLE while NATS is not connected). */
  async listen(identity: string, signal: AbortSignal): Promise<RegistryListener> {
    if (this.closed) throw new ConnectError("the nats registry messaging is closed: the pattern is stopping", Code.Unavailable);
    return await this.local.listen(identity, signal);
  }

  /** One request per target, all at once; see the file comment for the outcomes. */
  async deliver(targets: readonly string[], delivery: RegistryDelivery, timeoutMs: number): Promise<DeliveryOutcome[]> {
    if (targets.length === 0) return [];
    const nc = this.connection;
    if (nc === undefined || this.state !== "connected") {
      const message = `NATS at ${this.address} is unavailable: the registry messaging connection is ${this.state}`;
      return targets.map(() => ({ status: "FAILED", message }));
    }
    const data = encodeDelivery(delivery);
    const timeout = Math.max(1, timeoutMs);
    return await Promise.all(
      targets.map(async (identity): Promise<DeliveryOutcome> => {
        try {
          return outcomeOf((await nc.request(this.subject(identity), data, { timeout })).string());
        } catch (error) {
          return failureOutcome(error, this.address);
        }
      }),
    );
  }

  listenerCount(): number {
    return this.local.listenerCount();
  }

  /** The connection's state, for health. */
  connectionState(): NatsMessagingState {
    return { address: this.address, state: this.state };
  }

  /** The subject of `identity`'s inbox: any identity is a valid subject token as base64url. */
  subject(identity: string): string {
    return this.subjectPrefix + Buffer.from(identity, "utf8").toString("base64url");
  }

  /** The first local listener of `identity`: subscribe its subject, resolving once the server has it. */
  private async subscribeInbox(identity: string): Promise<void> {
    const nc = this.connection;
    if (nc === undefined || this.state !== "connected") {
      throw new ConnectError(
        `NATS at ${this.address} is unavailable: the registry messaging connection is ${this.state}`,
        Code.Unavailable,
      );
    }
    const subscription = nc.subscribe(this.subject(identity), { callback: (error, msg) => this.onRequest(identity, error, msg) });
    this.inboxes.set(identity, subscription);
    try {
      await nc.flush();
    } catch (error) {
      throw new ConnectError(`NATS at ${this.address} is unavailable: ${(error as Error).message}`, Code.Unavailable);
    }
  }

  /** The last local listener of `identity` left: unsubscribe. */
  private releaseInbox(identity: string): void {
    const subscription = this.inboxes.get(identity);
    this.inboxes.delete(identity);
    if (subscription !== undefined && !subscription.isClosed()) subscription.unsubscribe();
  }

  /** A delivery for `identity`: into the local queues, then the answer. */
  private onRequest(identity: string, error: Error | null, msg: Msg): void {
    if (error !== null) return;
    const delivery = decodeDelivery(msg.data);
    if (delivery === undefined) return;
    const outcome = this.local.deliverHere(identity, delivery);
    msg.respond(outcome.status === "DELIVERED" ? ACCEPTED : outcome.status === "FAILED" ? FULL : NOT_HERE);
  }

  /** One connection attempt; whether it connected. */
  private async attempt(): Promise<boolean> {
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: this.servers,
        name: this.options.name,
        timeout: this.options.connectTimeoutMs,
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: this.options.reconnectWaitMs,
        noAsyncTraces: true,
      });
    } catch {
      return false;
    }
    if (this.closed) {
      await nc.close();
      return true;
    }
    this.connection = nc;
    this.state = "connected";
    void this.follow(nc);
    return true;
  }

  /** Tries every reconnectWaitMs until connected or stopped. */
  private async connectLater(): Promise<void> {
    while (!this.closed) {
      try {
        await delay(this.options.reconnectWaitMs, undefined, { signal: this.stopping.signal });
      } catch {
        return;
      }
      if (await this.attempt()) {
        if (!this.closed) this.options.logger.info("connected to NATS for registry messaging", { server: this.address });
        return;
      }
    }
  }

  /** Follows the connection's status until it closes. */
  private async follow(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (this.closed) return;
      if (status.type === "disconnect" || status.type === "reconnecting") {
        if (this.state === "connected") this.options.logger.warn("registry messaging lost NATS, reconnecting", { server: this.address });
        this.state = "reconnecting";
      } else if (status.type === "reconnect") {
        this.state = "connected";
        this.options.logger.info("registry messaging reconnected to NATS", { server: this.address });
      } else if (status.type === "close") {
        this.state = "closed";
      }
    }
  }
}

/** The outcome an answer of the listening side means. */
function outcomeOf(answer: string): DeliveryOutcome {
  switch (answer) {
    case ACCEPTED:
      return { status: "DELIVERED" };
    case FULL:
      return { status: "FAILED", message: "the listener's queue is full" };
    case NOT_HERE:
      return { status: "NOT_LISTENING" };
    default:
      return { status: "FAILED", message: `unexpected answer ${JSON.stringify(answer.slice(0, 40))} from the listening instance` };
  }
}

/** The outcome of a request that failed. */
function failureOutcome(error: unknown, address: string): DeliveryOutcome {
  if (error instanceof TimeoutError) return { status: "TIMEOUT" };
  if (error instanceof NoRespondersError || (error instanceof RequestError && error.isNoResponders())) return { status: "NOT_LISTENING" };
  return { status: "FAILED", message: `NATS at ${address}: ${(error as Error).message}` };
}
