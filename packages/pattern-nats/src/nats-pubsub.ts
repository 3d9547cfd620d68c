// The NATS PubSub backend: topic "a.b" is subject "<prefix>.a.b". Core NATS (at-most-once):
// publish is fire-and-forget, groups are queue groups, slow subscribers drop, and local subscribers
// share one NATS subscription per (filter, group) (see core-fanout.ts). JetStream
// (at-least-once): publish resolves once the stream stored the message, groups are durable pull
// consumers, ungrouped subscribers get ephemeral ones, and messages are acked by id. A NATS that is
// not reachable at start does not fail start: the backend connects (and sets up the JetStream
// stream) in the background, failing calls with UNAVAILABLE meanwhile. An Ack for a JetStream
// subscription held by another instance (another proxy) is relayed to it over NATS (see ack-relay.ts).
import { randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { type JetStreamClient, type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import {
  ConnectError,
  type DeliveryGuarantee,
  type HealthReport,
  type LocalSubscription,
  type Logger,
  type PubSubBackend,
  type PubSubSubscription,
  type SubscribeRequestOptions,
} from "@prism/pattern-sdk";
import {
  ackRelaySubject,
  decodeAckRelay,
  decodeAckRelayReply,
  encodeAckRelay,
  encodeAckRelayReply,
  isRelayableId,
  MAX_RELAYED_IDS,
  RELAY_STALL_MS,
  relayableIds,
} from "./ack-relay.js";
import { CoreFanout } from "./core-fanout.js";
import { ensureStream } from "./jetstream-stream.js";
import { JetStreamSubscription } from "./jetstream-subscription.js";
import { encodeHeaders } from "./message-headers.js";
import type { NatsConfig } from "./nats-config.js";
import { notConnected, publishFailed, streamNotReady, unavailable } from "./nats-errors.js";
import { NatsLink } from "./nats-link.js";
import { resolveStreamName, resolveSubjectPrefix, topicSubject } from "./nats-naming.js";

/** Longest pause between attempts to set up the JetStream stream after a late connection. */
const MAX_SETUP_RETRY_MS = 5000;

/** PubSub over one NATS connection, core or JetStream by config. */
export class NatsPubSub implements PubSubBackend {
  /** at-most-once on core NATS, at-least-once on JetStream. */
  readonly guarantee: DeliveryGuarantee;
  /** Subject prefix of every topic. */
  readonly prefix: string;
  /** JetStream stream (used only when `jetstream` is on). */
  readonly stream: string;
  private readonly link: NatsLink;
  private jetstreamApi: { js: JetStreamClient; jsm: JetStreamManager } | undefined;
  /** Core NATS subscriptions (unused with JetStream). */
  private readonly core: CoreFanout;
  /** Open JetStream subscriptions. */
  private readonly open = new Set<JetStreamSubscription>();
  /** Closed JetStream subscriptions still handing back their unacked messages. */
  private readonly settling = new Set<JetStreamSubscription>();
  /** Aborted by stop(), ending a background setup. */
  private readonly stopping = new AbortController();
  /** The setup after a connection made in the background (NATS was not reachable at start). */
  private settingUp: Promise<void> | undefined;
  /** Why the last attempt to set up the JetStream stream failed, while it is retried in the background. */
  private setupError: string | undefined;
  /** JetStream: the subscription answering acks relayed by other instances (see ack-relay.ts). */
  private relay: Subscription | undefined;
  /**
   * JetStream only: acks ids delivered on a subscription another instance holds, by relaying them to every
   * instance of the namespace; resolves with how many were pending there. Invalid ids are not acked.
   * `subscriptionId`, when given, limits the ack to that subscription (without it, an id pending in two
   * subscriptions, of different groups, is acked in both).
   */
  readonly ackByMessageId?: (messageIds: string[], subscriptionId?: string) => Promise<number>;

  constructor(
    private readonly config: NatsConfig,
    namespace: string,
    private readonly logger: Logger,
  ) {
    this.guarantee = config.jetstream ? "at-least-once" : "at-most-once";
    this.prefix = resolveSubjectPrefix(config.subjectPrefix, namespace);
    this.stream = resolveStreamName(config.stream, namespace);
    this.link = new NatsLink(config, logger, `prism-pattern-nats ${namespace}`);
    this.core = new CoreFanout({ prefix: this.prefix, subscriberBufferSize: config.subscriberBufferSize, logger });
    if (config.jetstream) this.ackByMessageId = (messageIds, subscriptionId) => this.relayAck(messageIds, subscriptionId);
  }

  /**
   * Connects; with JetStream also creates or updates the stream, failing start when that fails. When
   * NATS is not reachable, start succeeds and both happen in the background once it is (the setup
   * retried until it succeeds). A server that refuses the connection fails start, naming the URL.
   */
  async start(): Promise<void> {
    const nc = await this.link.open((late) => {
      this.settingUp = this.setUpInBackground(late);
    });
    if (!nc) return;
    try {
      await this.setUp(nc);
    } catch (error) {
      await this.link.close();
      throw error;
    }
  }

  /**
   * Closes every subscription and the connection. JetStream subscriptions, open or still settling,
   * end their pending pulls at once rather than letting them run out (pullExpiresMs), and hand back
   * their unacked messages once the server has dropped those pulls (a round trip each).
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.core.closeAll();
    const subscriptions = [...this.open, ...this.settling];
    if (subscriptions.length > 0) {
      const pulling = subscriptions.filter((subscription) => subscription.pulling);
      const unacked = subscriptions.reduce((sum, subscription) => sum + subscription.unacked, 0);
      this.logger.info(
        `stopping: ending ${pulling.length} pending JetStream pull(s) now, waiting for the server to drop them, ` +
          `then handing back ${unacked} unacked message(s)`,
        {
          subscriptions: subscriptions.length,
          consumers: [...new Set(pulling.map((subscription) => subscription.consumerName))],
          pullExpiresMs: this.config.pullExpiresMs,
        },
      );
    }
    await Promise.all(subscriptions.map((subscription) => subscription.stop()));
    this.jetstreamApi = undefined;
    this.relay?.unsubscribe();
    this.relay = undefined;
    await this.link.close();
    await this.settingUp;
  }

  async publish(topic: string, payload: Uint8Array, metadata: Record<string, string>): Promise<string> {
    // fail fast while reconnecting: a core publish would only be buffered, a JetStream one would
    // wait requestTimeoutMs for an ack (often past the caller's deadline)
    this.link.requireConnected(`publish to ${JSON.stringify(topic)}`);
    const messageId = randomUUID();
    const subject = topicSubject(this.prefix, topic);
    const headers = encodeHeaders(messageId, Date.now(), metadata);
    try {
      if (this.config.jetstream) {
        await this.jetStream(`publish to ${JSON.stringify(topic)}`).js.publish(subject, payload, {
          headers,
          msgID: messageId,
          timeout: this.config.requestTimeoutMs,
        });
      } else {
        this.link.nc.publish(subject, payload, { headers });
      }
    } catch (error) {
      throw publishFailed(topic, payload.byteLength, this.link.address, this.link.maxPayload, error);
    }
    return messageId;
  }

  async subscribe(options: SubscribeRequestOptions): Promise<PubSubSubscription> {
    // fail fast while reconnecting: core NATS would only queue the subscription (and report it open),
    // JetStream would wait requestTimeoutMs for the consumer
    this.link.requireConnected(`subscribe to ${JSON.stringify(options.topic)}`);
    if (!this.config.jetstream) return this.subscribeCore(options);
    let subscription: JetStreamSubscription;
    try {
      subscription = await this.subscribeJetStream(options);
    } catch (error) {
      throw unavailable(`subscribe to ${JSON.stringify(options.topic)}`, this.link.address, error);
    }
    this.open.add(subscription);
    if (options.signal.aborted) await subscription.close();
    else options.signal.addEventListener("abort", () => void subscription.close(), { once: true });
    return subscription;
  }

  /**
   * Open subscriptions. A closed JetStream group member counts until it has settled: until its
   * last pull has ended on the server it can still receive (and then hands back) messages.
   */
  subscriptionCount(): number {
    return this.core.size + this.open.size + this.settling.size;
  }

  /**
   * Connection health plus server, state, round trip, open subscriptions, dropped messages, core NATS
   * subscriptions serving them (one per distinct filter and group; 0 with JetStream) and mode;
   * UNHEALTHY while connected but the JetStream stream is not set up yet.
   */
  async health(): Promise<HealthReport> {
    const link = await this.link.health();
    const core = this.core.stats();
    const details = {
      ...link.details,
      subscriptions: this.subscriptionCount(),
      dropped: core.dropped,
      natsSubscriptions: core.natsSubscriptions,
      jetstream: this.config.jetstream,
    };
    if (link.details.state === "connected" && this.config.jetstream && !this.jetstreamApi) {
      const cause = this.setupError === undefined ? "" : `: ${this.setupError}`;
      const message = `connected to NATS at ${link.details.server}, but JetStream stream ${this.stream} is not set up yet${cause}; retrying`;
      return { status: "UNHEALTHY", message, details };
    }
    return link.message === undefined ? { status: link.status, details } : { status: link.status, message: link.message, details };
  }

  /** Core NATS needs nothing; JetStream creates or updates the stream. Throws UNAVAILABLE when that fails. */
  private async setUp(nc: NatsConnection): Promise<void> {
    if (!this.config.jetstream) {
      this.logger.info("NATS PubSub ready (core NATS, at-most-once)", { server: nc.getServer(), subjectPrefix: this.prefix });
      return;
    }
    try {
      const jsm = await jetstreamManager(nc, { timeout: this.config.requestTimeoutMs });
      const { info, action } = await ensureStream(jsm, {
        name: this.stream,
        prefix: this.prefix,
        maxAgeMs: this.config.maxAgeMs,
        replicas: this.config.replicas,
      });
      if (this.stopping.signal.aborted) return;
      this.listenForRelayedAcks(nc);
      this.jetstreamApi = { js: jsm.jetstream(), jsm };
      this.setupError = undefined;
      this.logger.info(`NATS PubSub ready (JetStream, at-least-once), stream ${action}`, {
        server: nc.getServer(),
        subjectPrefix: this.prefix,
        stream: this.stream,
        messages: info.state.messages,
      });
    } catch (error) {
      throw unavailable(`setting up JetStream stream ${this.stream} (is nats-server running with -js?)`, this.link.address, error);
    }
  }

  /** Answers acks relayed by other instances (and this one): acks the ids pending here, replies how many. */
  private listenForRelayedAcks(nc: NatsConnection): void {
    if (this.relay) return;
    this.relay = nc.subscribe(ackRelaySubject(this.stream), {
      callback: (error, msg) => {
        if (error) return;
        const request = decodeAckRelay(msg.string());
        if (!request) {
          this.logger.warn("ignored a malformed relayed ack", { subject: msg.subject, bytes: msg.data.byteLength });
          return;
        }
        const held = request.subscriptionId !== undefined && [...this.open].some(({ id }) => id === request.subscriptionId);
        void this.ackHere(request.ids, request.subscriptionId).then((acked) => {
          try {
            msg.respond(encodeAckRelayReply({ acked, held }));
          } catch {
            // connection closed: the relaying instance counts this one as 0
          }
        });
      },
    });
  }

  /** Acks `ids` in the subscriptions of this instance (only in `subscriptionId` when given); returns how many were pending. */
  private async ackHere(ids: string[], subscriptionId: string | undefined): Promise<number> {
    let acked = 0;
    for (const subscription of this.open) {
      if (subscriptionId !== undefined && subscription.id !== subscriptionId) continue;
      acked += await subscription.ack(ids);
    }
    return acked;
  }

  /** Relays an ack to every instance of the namespace (see ackByMessageId); at most as many as distinct valid ids. */
  private async relayAck(messageIds: string[], subscriptionId: string | undefined): Promise<number> {
    this.link.requireConnected("ack");
    this.jetStream("ack");
    const ids = relayableIds(messageIds);
    const scope = subscriptionId !== undefined && subscriptionId !== "" ? subscriptionId : undefined;
    if (scope !== undefined && !isRelayableId(scope)) return 0;
    let acked = 0;
    for (let start = 0; start < ids.length; start += MAX_RELAYED_IDS) {
      const chunk = ids.slice(start, start + MAX_RELAYED_IDS);
      try {
        const replies = await this.link.nc.requestMany(
          ackRelaySubject(this.stream),
          encodeAckRelay({ ids: chunk, subscriptionId: scope }),
          {
            strategy: "stall",
            stall: RELAY_STALL_MS,
            maxWait: this.config.requestTimeoutMs,
          },
        );
        let count = 0;
        for await (const reply of replies) {
          const { acked: replied, held } = decodeAckRelayReply(reply.string(), chunk.length);
          count += replied;
          if (held) break; // only the holder of a named subscription acks: nobody else will add to the count
        }
        acked += Math.min(count, chunk.length);
      } catch (error) {
        throw unavailable("ack", this.link.address, error);
      }
    }
    return acked;
  }

  /** setUp after a late connection, retried with a doubling pause (from reconnectWaitMs) until it succeeds or stop() is called. */
  private async setUpInBackground(nc: NatsConnection): Promise<void> {
    for (let attempt = 0; !this.stopping.signal.aborted; attempt++) {
      try {
        await this.setUp(nc);
        return;
      } catch (error) {
        const message = error instanceof ConnectError ? error.rawMessage : String(error);
        if (message !== this.setupError)
          this.logger.warn("NATS PubSub setup failed; retrying", { server: this.link.address, error: message });
        this.setupError = message;
      }
      try {
        await delay(Math.min(this.config.reconnectWaitMs * 2 ** attempt, MAX_SETUP_RETRY_MS), undefined, { signal: this.stopping.signal });
      } catch {
        return; // stop() was called
      }
    }
  }

  /** The JetStream client and manager; UNAVAILABLE before start(), while the stream is not set up yet, and after stop(). */
  private jetStream(operation: string): { js: JetStreamClient; jsm: JetStreamManager } {
    if (this.jetstreamApi) return this.jetstreamApi;
    if (this.link.connected && !this.stopping.signal.aborted)
      throw streamNotReady(operation, this.stream, this.link.address, this.setupError);
    throw notConnected(this.link.address);
  }

  /**
   * A local subscription on the shared NATS subscription of its (filter, group), ended when `options.signal`
   * aborts; resolves once the server has that subscription, so a message published after it is delivered.
   */
  private async subscribeCore(options: SubscribeRequestOptions): Promise<LocalSubscription> {
    try {
      return await this.core.open(this.link.nc, options.topic, options.group, options.signal);
    } catch (error) {
      throw unavailable(`subscribe to ${JSON.stringify(options.topic)}`, this.link.address, error);
    }
  }

  private subscribeJetStream(options: SubscribeRequestOptions): Promise<JetStreamSubscription> {
    return JetStreamSubscription.open(
      {
        ...this.jetStream(`subscribe to ${JSON.stringify(options.topic)}`),
        prefix: this.prefix,
        logger: this.logger,
        pullExpiresMs: this.config.pullExpiresMs,
        connected: () => this.link.connected,
        onClose: (subscription, settled) => {
          this.open.delete(subscription);
          this.settling.add(subscription);
          const done = () => this.settling.delete(subscription);
          settled.then(done, done);
        },
      },
      {
        stream: this.stream,
        filterSubject: topicSubject(this.prefix, options.topic),
        group: options.group,
        ackWaitMs: this.config.ackWaitMs,
        maxDeliver: this.config.maxDeliver,
        maxAckPending: options.maxInFlight,
        groupStart: this.config.groupStart,
      },
    );
  }
}
