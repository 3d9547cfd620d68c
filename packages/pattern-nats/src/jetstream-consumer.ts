// The JetStream consumer behind a subscription: a durable pull consumer per (group, filter), shared
// by the group's members and kept while nobody is attached, or an ephemeral pull consumer (deliver
// new) for an ungrouped subscriber, removed when it closes or after a minute without pulls.
import { randomUUID } from "node:crypto";
import {
  type Consumer,
  type ConsumerConfig,
  type ConsumerInfo,
  type JetStreamClient,
  type JetStreamManager,
  JetStreamApiCodes,
  JetStreamApiError,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import { durableName } from "./nats-naming.js";

/** An ephemeral consumer nobody pulls from for this long is deleted by the server. */
const EPHEMERAL_INACTIVE_MS = 60_000;

/** What a subscription's consumer should be. */
export interface ConsumerSpec {
  /** Stream the consumer reads. */
  stream: string;
  /** Subject filter (the subscription's topic filter under the prefix). */
  filterSubject: string;
  /** Group; "" = an ephemeral consumer of one subscriber. */
  group: string;
  /** Redelivery after this many milliseconds without ack. */
  ackWaitMs: number;
  /** Deliveries of one message at most. */
  maxDeliver: number;
  /** Unacked messages the consumer may have outstanding. */
  maxAckPending: number;
  /** Where a new durable consumer starts: every stored message, or only new ones. */
  groupStart: "all" | "new";
}

/** An opened consumer and what it is. */
export interface OpenedConsumer {
  /** The consumer to fetch from. */
  consumer: Consumer;
  /** Its name on the server. */
  name: string;
  /** Whether it is the durable consumer of a group. */
  durable: boolean;
  /** Stream sequence it had delivered up to when opened (a brand-new "new" consumer: the stream's last). */
  deliveredSeq: number;
}

/**
 * Opens the consumer of `spec`. A group's durable consumer is created when missing (starting as
 * `groupStart` says), otherwise reused (its ack wait and max deliver follow the config; its max
 * ack pending only grows). An ungrouped subscriber gets a fresh ephemeral consumer starting at
 * new messages. A nonzero `startSeq` makes a created consumer start at that stream sequence
 * instead (to resume after the server lost it).
 */
export async function openConsumer(
  js: JetStreamClient,
  jsm: JetStreamManager,
  spec: ConsumerSpec,
  startSeq = 0,
  ephemeralName = `prism_${randomUUID().replaceAll("-", "")}`,
): Promise<OpenedConsumer> {
  const common: Partial<ConsumerConfig> = {
    ack_policy: "explicit",
    filter_subject: spec.filterSubject,
    ack_wait: nanos(spec.ackWaitMs),
    max_deliver: spec.maxDeliver,
    max_ack_pending: spec.maxAckPending,
    replay_policy: "instant",
  };
  if (spec.group === "") {
    const info = await jsm.consumers.add(spec.stream, {
      ...common,
      name: ephemeralName,
      inactive_threshold: nanos(EPHEMERAL_INACTIVE_MS),
      ...(startSeq > 0 ? { deliver_policy: "by_start_sequence", opt_start_seq: startSeq } : { deliver_policy: "new" }),
    });
    return opened(js, info, false);
  }
  const name = durableName(spec.group, spec.filterSubject);
  for (let attempt = 0; ; attempt++) {
    const existing = await consumerInfo(jsm, spec.stream, name);
    if (existing) {
      return opened(js, await adjustDurable(jsm, spec, existing), true);
    }
    try {
      const info = await jsm.consumers.add(spec.stream, {
        ...common,
        durable_name: name,
        ...(startSeq > 0 ? { deliver_policy: "by_start_sequence", opt_start_seq: startSeq } : { deliver_policy: spec.groupStart }),
        description: `Prism group ${spec.group} reading ${spec.filterSubject}`,
      });
      return opened(js, info, true);
    } catch (error) {
      // another member may have created it first with other settings: reuse theirs
      if (attempt >= 1) throw error;
    }
  }
}

function opened(js: JetStreamClient, info: ConsumerInfo, durable: boolean): OpenedConsumer {
  return { consumer: js.consumers.getConsumerFromInfo(info), name: info.name, durable, deliveredSeq: info.delivered.stream_seq };
}

/** Brings an existing durable's ack wait and max deliver to the config and grows its max ack pending to the request. */
async function adjustDurable(jsm: JetStreamManager, spec: ConsumerSpec, info: ConsumerInfo): Promise<ConsumerInfo> {
  const config = info.config;
  const ackWait = nanos(spec.ackWaitMs);
  const maxAckPending = Math.max(config.max_ack_pending ?? 0, spec.maxAckPending);
  if (config.ack_wait === ackWait && config.max_deliver === spec.maxDeliver && config.max_ack_pending === maxAckPending) {
    return info;
  }
  return jsm.consumers.update(spec.stream, info.name, {
    ack_wait: ackWait,
    max_deliver: spec.maxDeliver,
    max_ack_pending: maxAckPending,
  });
}

/** Whether `error` says that a consumer does not exist. */
export function isConsumerNotFound(error: unknown): boolean {
  if (error instanceof JetStreamApiError) return error.code === JetStreamApiCodes.ConsumerNotFound;
  return error instanceof Error && /consumer not found|consumer deleted/i.test(error.message);
}

async function consumerInfo(jsm: JetStreamManager, stream: string, name: string): Promise<ConsumerInfo | undefined> {
  try {
    return await jsm.consumers.info(stream, name);
  } catch (error) {
    if (isConsumerNotFound(error)) return undefined;
    throw error;
  }
}
