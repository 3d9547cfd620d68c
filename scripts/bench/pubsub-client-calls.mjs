// PubSub through a proxy with @prism/client as the publisher (pubsub.publish(): concurrent publishes
// ride one PublishStream, or, with publishStream off, one Publish call each) and the lean gRPC
// subscribers of pubsub-grpc-calls.mjs, so the rows show what an application publishing sees.
import { importBuilt } from "./built-packages.mjs";
import { grpcPubSubCalls } from "./pubsub-grpc-calls.mjs";
import { basePayload, payloadBytes, stampPayload } from "./pubsub-workload.mjs";

/**
 * PubSub cases on `namespace` of the proxy at `url`: lean subscribers over `load`, publishes through
 * createPrismClient({ publishStream }).
 */
export async function clientPubSubCalls(load, url, namespace, publishStream) {
  const { createPrismClient } = await importBuilt("client/dist/index.js");
  const client = createPrismClient({ url, namespace, publishStream });
  const subscribers = await grpcPubSubCalls(load, url, namespace);
  return {
    async openCase(options) {
      const opened = await subscribers.openCase(options);
      return {
        /** One pubsub.publish() of a fresh payload stamped with `seq` and `sentAt`. */
        publish(seq, sentAt) {
          const payload = new Uint8Array(payloadBytes);
          payload.set(basePayload);
          stampPayload(payload, 0, seq, sentAt);
          return client.pubsub.publish(options.topic, payload);
        },
        close: opened.close,
      };
    },
  };
}
