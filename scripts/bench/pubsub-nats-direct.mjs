// PubSub straight on core NATS with nats.js in this process (the floor the proxied NATS targets are
// compared with): one publisher connection paced by flushes (the publishes made since the last
// flush share the next one, so at most `concurrency` are unflushed, and a publish counts once the
// server has it), and the subscriptions spread over two subscriber connections.
import { importDependencyOf } from "./built-packages.mjs";
import { basePayload, stampPayload } from "./pubsub-workload.mjs";

/** Connections the subscriptions are spread over. */
const SUBSCRIBER_CONNECTIONS = 2;
/** Connection events that mean messages may have been lost. */
const troubles = new Set(["disconnect", "error", "staleConnection", "slowConsumer", "forceReconnect"]);

/** Connects to the NATS at `url`; returns { openCase, close } (same shape as grpcPubSubCalls plus close). */
export async function directNatsPubSub(url) {
  const { connect } = await importDependencyOf("pattern-nats", "@nats-io/transport-node");
  const connections = [];
  try {
    for (let i = 0; i <= SUBSCRIBER_CONNECTIONS; i++) connections.push(await connect({ servers: url, name: `prism-bench ${i}` }));
  } catch (error) {
    await Promise.all(connections.map((nc) => nc.close()));
    throw error;
  }
  const [publisher, ...subscriberConnections] = connections;

  let recorder; // of the case running now
  for (const nc of connections) {
    (async () => {
      for await (const status of nc.status()) {
        if (troubles.has(status.type)) recorder?.fail(`NATS connection ${status.type}${status.error ? `: ${status.error.message}` : ""}`);
      }
    })().catch(() => {});
  }

  let flushing;
  /** The flush every publish made before it is issued shares: issued once the current burst of publishes is done. */
  const flushSoon = () =>
    (flushing ??= Promise.resolve().then(() => {
      flushing = undefined;
      return publisher.flush();
    }));

  return {
    /** Subscribes `subscribers` times to subject `topic` (resolves once the server has every SUB); returns the publisher. */
    async openCase({ topic, subscribers, recorder: caseRecorder }) {
      recorder = caseRecorder;
      const subscriptions = Array.from({ length: subscribers }, (_, i) =>
        subscriberConnections[i % subscriberConnections.length].subscribe(topic, {
          callback: (error, msg) => {
            if (error) caseRecorder.fail(`NATS subscription: ${error.message}`);
            else caseRecorder.deliver(msg.data);
          },
        }),
      );
      await Promise.all(subscriberConnections.map((nc) => nc.flush()));
      return {
        /** Publishes a fresh payload (nats.js keeps a reference until it is written) and waits for the shared flush. */
        publish(seq, sentAt) {
          const payload = basePayload.slice();
          stampPayload(payload, 0, seq, sentAt);
          publisher.publish(topic, payload);
          return flushSoon();
        },
        async close() {
          for (const subscription of subscriptions) subscription.unsubscribe();
          await Promise.all(subscriberConnections.map((nc) => nc.flush()));
          recorder = undefined;
        },
      };
    },
    /** Closes every connection. */
    async close() {
      await Promise.all(connections.map((nc) => nc.close()));
    },
  };
}
