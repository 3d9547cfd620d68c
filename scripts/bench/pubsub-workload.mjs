// The PubSub workload every PubSub target runs: 100-byte payloads stamped with a sequence number and
// the send time (performance.now() of this process, so a subscriber here computes publish→deliver
// latency), 1 and 100 subscribers per case, a fresh topic per case, and the protobuf-es pieces.
import { importBuilt, importDependencyOf } from "./built-packages.mjs";

/** Bytes per payload. */
export const payloadBytes = 100;
/** Subscribers of one topic, one case each, in table order. */
export const subscriberCounts = [1, 100];
/** The table's op of a case with `subscribers` subscribers. */
export const pubsubOp = (subscribers) => `pub→sub ×${subscribers}`;
/** gRPC path of a PubSubService method. */
export const pubsubPath = (method) => `/prism.pubsub.v1.PubSubService/${method}`;

let topicsIssued = 0;
/** A topic no earlier case used, so a case never sees another's late deliveries. */
export const nextTopic = () => `bench.pubsub.case${++topicsIssued}`;

/** The payload every message starts from: 100 bytes of "a", stamped per message. */
export const basePayload = new Uint8Array(payloadBytes).fill(0x61);

// Payload layout: bytes 0-7 the send time (float64 LE, ms), bytes 8-11 the sequence number (uint32 LE).
const scratch = new Float64Array(1);
const scratchBytes = new Uint8Array(scratch.buffer);

/** Writes `sentAt` and `seq` into the payload that starts at `bytes[offset]`. */
export function stampPayload(bytes, offset, seq, sentAt) {
  scratch[0] = sentAt;
  bytes.set(scratchBytes, offset);
  bytes[offset + 8] = seq & 0xff;
  bytes[offset + 9] = (seq >>> 8) & 0xff;
  bytes[offset + 10] = (seq >>> 16) & 0xff;
  bytes[offset + 11] = (seq >>> 24) & 0xff;
}

/** The send time stamped into `payload` (NaN when it is too short to carry one). */
export function sentAtOf(payload) {
  if (payload.length < 12) return Number.NaN;
  for (let i = 0; i < 8; i++) scratchBytes[i] = payload[i];
  return scratch[0];
}

/** Loads protobuf-es `create`/`toBinary`/`fromBinary` and the PubSub schemas. */
export async function loadPubSubProtocol() {
  const { create, toBinary, fromBinary } = await importDependencyOf("pattern-sdk", "@bufbuild/protobuf");
  const { PublishRequestSchema, SubscribeRequestSchema, SubscribeResponseSchema } = await importBuilt(
    "proto/dist/gen/prism/pubsub/v1/pubsub_pb.js",
  );
  return { create, toBinary, fromBinary, PublishRequestSchema, SubscribeRequestSchema, SubscribeResponseSchema };
}
