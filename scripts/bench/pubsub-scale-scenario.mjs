// Scenario "pubsub-scale": 1,000 and 10,000 concurrent subscribers of one topic on one proxy
// (memstore in-process, lean gRPC subscribers spread over HTTP/2 connections of at most 200 streams).
// Per case: the proxy's resident memory with every subscription open and what it grew by per
// subscription (from just before subscribing), then one message at a time published and fanned out
// to every subscriber: messages/s, deliveries/s, and p50/p99 of publish → last subscriber's delivery.
import { setTimeout as sleep } from "node:timers/promises";
import { grpcFrame, openHttp2Sessions } from "./grpc-load.mjs";
import { percentile } from "./measure.mjs";
import { rssMiB } from "./process-rss.mjs";
import { openGrpcSubscriber } from "./pubsub-grpc-subscriber.mjs";
import { basePayload, loadPubSubProtocol, nextTopic, payloadBytes, pubsubPath, stampPayload } from "./pubsub-workload.mjs";
import { openScenarioSession } from "./scenario-session.mjs";
import { withTimeout } from "./with-timeout.mjs";

const target = "proxy memstore inprocess, many subscribers";
/** Subscribers per case. */
const scales = [1000, 10_000];
/** Subscribe streams per HTTP/2 connection (the proxy allows 256 by default). */
const streamsPerSession = 200;
/** Longest wait for one message to reach every subscriber, in milliseconds. */
const FANOUT_TIMEOUT_MS = 10_000;
const READY_TIMEOUT_MS = 60_000;

/** Runs one case with `subscribers` subscribers; returns its row's numbers. */
async function runScale(shared, subscribers, { seconds, warmupSeconds }) {
  const proxy = await shared.proxy();
  const load = await shared.load();
  const protocol = await loadPubSubProtocol();
  const { create, toBinary, PublishRequestSchema, SubscribeRequestSchema } = protocol;
  const topic = nextTopic();
  const headers = load.headers(pubsubPath("Subscribe"), { "prism-namespace": "mem-in" });
  const publishHeaders = load.headers(pubsubPath("Publish"), { "prism-namespace": "mem-in" });
  await sleep(200);
  const before = rssMiB(proxy.pid);
  const sessions = await openHttp2Sessions(proxy.url, Math.ceil(subscribers / streamsPerSession), { windowBytes: 1024 * 1024 });
  let delivered = 0;
  let waiting; // { count, resolve } of the message in flight
  const failures = new Set();
  const sink = {
    onPayload: () => {
      delivered++;
      if (waiting && delivered >= waiting.count) waiting.resolve();
    },
    onFailure: (message) => failures.size < 3 && failures.add(message),
  };
  const requestFrame = grpcFrame(toBinary(SubscribeRequestSchema, create(SubscribeRequestSchema, { topic })));
  const streams = Array.from({ length: subscribers }, (_, i) =>
    openGrpcSubscriber(sessions[Math.floor(i / streamsPerSession)], headers, requestFrame, protocol, sink),
  );
  try {
    await withTimeout(Promise.all(streams.map((s) => s.ready)), READY_TIMEOUT_MS, `not all ${subscribers} subscribers were subscribed`);
    await sleep(200);
    const rss = rssMiB(proxy.pid);
    const frame = grpcFrame(toBinary(PublishRequestSchema, create(PublishRequestSchema, { topic, payload: basePayload })));
    const latencies = [];
    let messages = 0;
    let errors = 0;
    const startAt = performance.now();
    const from = startAt + warmupSeconds * 1000;
    const until = from + seconds * 1000;
    let seq = 0;
    for (;;) {
      const sentAt = performance.now();
      if (sentAt >= until) break;
      const target = delivered + subscribers;
      const all = new Promise((resolve) => {
        waiting = { count: target, resolve };
      });
      const copy = Buffer.from(frame);
      stampPayload(copy, copy.length - payloadBytes, seq++, sentAt);
      try {
        await load.unary(publishHeaders, copy);
        await withTimeout(all, FANOUT_TIMEOUT_MS, `a message did not reach all ${subscribers} subscribers within ${FANOUT_TIMEOUT_MS} ms`);
      } catch (error) {
        errors++;
        failures.add(error.message);
        break;
      }
      if (sentAt >= from) {
        messages++;
        latencies.push(performance.now() - sentAt);
      }
    }
    const measured = (Math.min(performance.now(), until) - from) / 1000;
    latencies.sort((a, b) => a - b);
    const grewKiB = ((rss - before) * 1024) / subscribers;
    return {
      ops: messages,
      seconds: measured,
      opsPerSec: measured > 0 ? messages / measured : 0,
      deliveredPerSec: measured > 0 ? (messages * subscribers) / measured : 0,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      rssMiB: rss,
      legend:
        `pubsub-scale ×${subscribers.toLocaleString("en-US")}: proxy RSS ${before.toFixed(1)} → ${rss.toFixed(1)} MiB with every ` +
        `subscription open, ${grewKiB.toFixed(1)} KiB per subscription; p50/p99 = publish → delivery to the last subscriber`,
      errors: errors + failures.size,
      errorSamples: [...failures],
    };
  } finally {
    await withTimeout(Promise.all(streams.map((s) => s.close())), 15_000, "Subscribe streams did not close").catch(() => {});
    for (const session of sessions) session.destroy();
  }
}

export const pubsubScaleScenario = {
  name: "pubsub-scale",
  targets: [target],

  open(selected) {
    return openScenarioSession(selected, {
      targets: { [target]: async (shared) => ({ calls: shared }) },
      casesOf: (name, shared) =>
        scales.map((subscribers) => ({
          target: name,
          op: `fan-out ×${subscribers.toLocaleString("en-US")}`,
          run: (options) => runScale(shared, subscribers, options),
        })),
      proxyConfig: async () => ({ namespaces: { "mem-in": { pubsub: { backend: "memstore", config: { subscriberBufferSize: 1024 } } } } }),
      testServer: "startNatsServer",
    });
  },
};
