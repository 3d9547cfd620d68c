// The NATS PubSub backend: topic "a.b" is subject "<prefix>.a.b". Core NATS (at-most-once):
// publish is fire-and-forget, groups are queue groups, slow subscribers drop. JetStream
// (at-least-once): publish resolves once the stream stored the message, groups are durable pull
// consumers, ungrouped subscribers get ephemeral ones, and messages are acked by id.
import { randomUUID } from "node:crypto";
import { type JetStreamClient, type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import type {
  DeliveryGuarantee,
  HealthReport,
  Logger,
  PubSubBackend,
  PubSubSubscription,
  SubscribeRequestOptions,
} from "@prism/pattern-sdk";
import { CoreSubscription } from "./core-subscription.js";
import { ensureStream } from "./jetstream-stream.js";
import { JetStreamSubscription } from "./jetstream-subscription.js";
import { encodeHeaders } from "./message-headers.js";
import type { NatsConfig } from "./nats-config.js";
import { notConnected, publishFailed, unavailable } from "./nats-errors.js";
import { NatsLink } from "./nats-link.js";
import { resolveStreamName, resolveSubjectPrefix, topicSubject } from "./nats-naming.js";

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
  private readonly open = new Set<PubSubSubscription>();
  /** Closed JetStream subscriptions still handing back their unacked messages. */
  private readonly settling = new Set<Promise<void>>();
  private dropped = 0;

  constructor(
    private readonly config: NatsConfig,
    namespace: string,
    private readonly logger: Logger,
  ) {
    this.guarantee = config.jetstream ? "at-least-once" : "at-most-once";
    this.prefix = resolveSubjectPrefix(config.subjectPrefix, namespace);
    this.stream = resolveStreamName(config.stream, namespace);
    this.link = new NatsLink(config, logger, `prism-pattern-nats ${namespace}`);
  }

  /** Connects; with JetStream also creates or updates the stream. Fails naming the URL when NATS is not there. */
  async start(): Promise<void> {
    const nc = await this.link.open();
    if (!this.config.jetstream) {
      this.logger.info("NATS PubSub ready (core NATS, at-most-once)", { server: nc.getServer(), subjectPrefix: this.prefix });
      return;
    }
    try {
      const jsm = await jetstreamManager(nc, { timeout: this.config.requestTimeoutMs });
      const { info, action } = await ensureStream(jsm, { name: this.stream, prefix: this.prefix, maxAgeMs: this.config.maxAgeMs });
      this.jetstreamApi = { js: jsm.jetstream(), jsm };
      this.logger.info(`NATS PubSub ready (JetStream, at-least-once), stream ${action}`, {
        server: nc.getServer(),
        subjectPrefix: this.prefix,
        stream: this.stream,
        messages: info.state.messages,
      });
    } catch (error) {
      await this.link.close();
      throw unavailable(`setting up JetStream stream ${this.stream} (is nats-server running with -js?)`, this.link.address, error);
    }
  }

  /** Closes every subscription (JetStream: unacked messages are nak'ed, within seconds) and the connection. */
  async stop(): Promise<void> {
    await Promise.all([...this.open].map((subscription) => subscription.close()));
    await Promise.all(this.settling);
    this.jetstreamApi = undefined;
    await this.link.close();
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
        await this.jetStream().js.publish(subject, payload, { headers, msgID: messageId, timeout: this.config.requestTimeoutMs });
      } else {
        this.link.nc.publish(subject, payload, { headers });
      }
    } catch (error) {
      throw publishFailed(topic, payload.byteLength, this.link.address, this.link.maxPayload, error);
    }
    return messageId;
  }

  async subscribe(options: SubscribeRequestOptions): Promise<PubSubSubscription> {
    let subscription: PubSubSubscription;
    try {
      subscription = this.config.jetstream ? await this.subscribeJetStream(options) : this.subscribeCore(options);
    } catch (error) {
      throw unavailable(`subscribe to ${JSON.stringify(options.topic)}`, this.link.address, error);
    }
    this.open.add(subscription);
    if (options.signal.aborted) await subscription.close();
    else options.signal.addEventListener("abort", () => void subscription.close(), { once: true });
    return subscription;
  }

  subscriptionCount(): number {
    return this.open.size;
  }

  /** Connection health plus server, state, round trip, open subscriptions, dropped messages and mode. */
  async health(): Promise<HealthReport> {
    const link = await this.link.health();
    const details = {
      ...link.details,
      subscriptions: this.open.size,
      dropped: this.dropped,
      jetstream: this.config.jetstream,
    };
    return link.message === undefined ? { status: link.status, details } : { status: link.status, message: link.message, details };
  }

  /** The JetStream client and manager; UNAVAILABLE before start() and after stop(). */
  private jetStream(): { js: JetStreamClient; jsm: JetStreamManager } {
    if (!this.jetstreamApi) throw notConnected(this.link.address);
    return this.jetstreamApi;
  }

  private subscribeCore(options: SubscribeRequestOptions): CoreSubscription {
    return new CoreSubscription(
      {
        nc: this.link.nc,
        prefix: this.prefix,
        bufferSize: this.config.subscriberBufferSize,
        onDrop: () => {
          this.dropped++;
        },
        onClose: (subscription) => this.open.delete(subscription),
      },
      options.topic,
      options.group,
    );
  }

  private subscribeJetStream(options: SubscribeRequestOptions): Promise<JetStreamSubscription> {
    return JetStreamSubscription.open(
      {
        ...this.jetStream(),
        prefix: this.prefix,
        logger: this.logger,
        onClose: (subscription, settled) => {
          this.open.delete(subscription);
          this.settling.add(settled);
          const done = () => this.settling.delete(settled);
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
