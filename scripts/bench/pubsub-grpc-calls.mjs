// PubSub through a proxy with lean gRPC on node:http2 (see grpc-load.mjs), so the proxy side is
// what gets measured: Publish as unary calls whose frame is a precomputed template with the stamp
// patched in, and the subscribers as lean Subscribe streams spread over a few HTTP/2 sessions.
import { grpcFrame, openHttp2Sessions } from "./grpc-load.mjs";
import { openGrpcSubscriber } from "./pubsub-grpc-subscriber.mjs";
import { basePayload, loadPubSubProtocol, payloadBytes, pubsubPath, stampPayload } from "./pubsub-workload.mjs";
import { withTimeout } from "./with-timeout.mjs";

/** Most HTTP/2 sessions the subscribers of one case are spread over. */
const SUBSCRIBER_SESSIONS = 4;
/** Receive window per subscriber stream and per session: the client never throttles the proxy. */
const SUBSCRIBER_WINDOW_BYTES = 16 * 1024 * 1024;
/** How long all subscribers may take to be `subscribed`, in milliseconds. */
const READY_TIMEOUT_MS = 15_000;
/** How long closing a case's subscribers and sessions may take, in milliseconds. */
const CLOSE_TIMEOUT_MS = 5000;

/** @typedef {{ topic: string, subscribers: number, recorder: import("./pubsub-measure.mjs").DeliveryRecorder }} PubSubCaseOptions */
/** @typedef {{ publish(seq: number, sentAt: number): Promise<void>, close(): Promise<void> }} PubSubCase */

/**
 * PubSub cases on `namespace` of the proxy at `url`, publishing over `load` (a grpc-load).
 * @returns {Promise<{ openCase(options: PubSubCaseOptions): Promise<PubSubCase> }>}
 */
export async function grpcPubSubCalls(load, url, namespace) {
  const protocol = await loadPubSubProtocol();
  const { create, toBinary, PublishRequestSchema, SubscribeRequestSchema } = protocol;
  const extra = { "prism-namespace": namespace };
  const publishHeaders = load.headers(pubsubPath("Publish"), extra);
  const subscribeHeaders = load.headers(pubsubPath("Subscribe"), extra);

  return {
    /** Subscribes `subscribers` times to `topic` (resolves once every one is `subscribed`); returns the publisher. */
    async openCase({ topic, subscribers, recorder }) {
      const sessions = await openHttp2Sessions(url, Math.min(SUBSCRIBER_SESSIONS, subscribers), {
        windowBytes: SUBSCRIBER_WINDOW_BYTES,
      });
      const requestFrame = grpcFrame(toBinary(SubscribeRequestSchema, create(SubscribeRequestSchema, { topic })));
      const sink = { onPayload: (payload) => recorder.deliver(payload), onFailure: (message) => recorder.fail(message) };
      const streams = Array.from({ length: subscribers }, (_, i) =>
        openGrpcSubscriber(sessions[i % sessions.length], subscribeHeaders, requestFrame, protocol, sink),
      );
      const close = async () => {
        await withTimeout(Promise.all(streams.map((stream) => stream.close())), CLOSE_TIMEOUT_MS, "Subscribe streams did not close");
        await withTimeout(
          Promise.all(sessions.map((session) => new Promise((resolve) => session.close(resolve)))),
          CLOSE_TIMEOUT_MS,
          "subscriber sessions did not close",
        ).catch((error) => {
          for (const session of sessions) session.destroy();
          throw error;
        });
      };
      try {
        await withTimeout(
          Promise.all(streams.map((stream) => stream.ready)),
          READY_TIMEOUT_MS,
          `not all ${subscribers} subscribers of ${namespace} were subscribed within ${READY_TIMEOUT_MS} ms`,
        );
      } catch (error) {
        await close().catch(() => {});
        throw error;
      }

      // The PublishRequest (topic, payload; no metadata) encoded once: the payload is its last field.
      const template = grpcFrame(toBinary(PublishRequestSchema, create(PublishRequestSchema, { topic, payload: basePayload })));
      const payloadOffset = template.length - payloadBytes;
      if (template[payloadOffset - 2] !== 0x12 || template[payloadOffset - 1] !== payloadBytes) {
        throw new Error("PublishRequest encoding changed: the payload is not the last field");
      }
      return {
        /** One Publish of a fresh copy of the template stamped with `seq` and `sentAt`. */
        publish(seq, sentAt) {
          const frame = Buffer.allocUnsafe(template.length);
          template.copy(frame);
          stampPayload(frame, payloadOffset, seq, sentAt);
          return load.unary(publishHeaders, frame);
        },
        close,
      };
    },
  };
}
