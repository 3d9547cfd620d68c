// Items 5 and 6 of the hostile-client findings: deadlines hold on every protocol. A deadline
// longer than Node's timers can hold (grpc-timeout 1000H, connect-timeout-ms 9999999999) is
// clamped, not turned into 1 ms: calls answer normally and subscriptions stay open. A malformed
// deadline is INVALID_ARGUMENT. A subscription reaching its deadline ends DEADLINE_EXCEEDED on
// gRPC, Connect and gRPC-Web alike. A pattern that stalls (its event loop blocked) is held to the
// deadline by the proxy. Nothing lands in the log as a Node warning (TimeoutOverflowWarning).
import { Code } from "@prism/client";
import type { ClientHttp2Session } from "node:http2";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { grpcAnswer, okCode, type WebProtocol, watchGrpcCall, webCall } from "./call-answers.js";
import { connectFrom } from "./good-client.js";
import { type HostileProxy, startHostileProxy, testNamespaces } from "./hostile-proxy.js";
import { frameOf, getRequest, grpcHeaders, paths, subscribeRequest } from "./requests.js";

const attacker = "127.0.0.1";

/** A KeyValue pattern whose Get of "stall" blocks its process for 1.5 s (a pattern that cannot honour deadlines). */
const stallPattern = `
const data = new Map();
const busy = (ms) => { const until = Date.now() + ms; while (Date.now() < until); };
export const stallPattern = {
  name: "stall",
  version: "1.0.0",
  config: {},
  create: () => ({
    keyvalue: {
      set: (key, value) => void data.set(key, value),
      get: (key) => { if (key === "stall") busy(1500); return data.get(key) ?? new TextEncoder().encode(key); },
      delete: (key) => data.delete(key),
      exists: (key) => data.has(key),
      scan: () => ({ items: [], nextCursor: "" }),
    },
  }),
};
`;

let hostile: HostileProxy;
let session: ClientHttp2Session;

beforeAll(async () => {
  hostile = await startHostileProxy({
    files: { "patterns/stall.mjs": stallPattern },
    config: {
      namespaces: {
        ...testNamespaces,
        stall: { keyvalue: { backend: "./patterns/stall.mjs", isolation: "process", healthIntervalMs: 10_000 } },
      },
    },
  });
});
beforeEach(async () => {
  session?.destroy();
  session = await connectFrom(hostile.url, attacker);
});
afterAll(async () => {
  session?.destroy();
  const code = await hostile?.stop();
  expect(code).toBe(0);
  // No TimeoutOverflowWarning or any other non-JSON line, from the proxy or a pattern.
  expect(hostile.rawLines()).toEqual([]);
  expect(hostile.logsMatching(/TimeoutOverflow|does not fit into a 32-bit/)).toEqual([]);
});

const namespaces = ["default", "proc"];

describe.each(namespaces)("gRPC deadlines, namespace %s", (namespace) => {
  it("grpc-timeout past Node's timers (1000H, 99999999H, 99999999S) is clamped: calls answer, subscriptions stay open", async () => {
    const timeouts = ["1000H", "99999999H", "99999999S"];
    for (const timeout of timeouts) {
      const get = await grpcAnswer(
        session.request(grpcHeaders(paths.get, namespace, { "grpc-timeout": timeout })),
        frameOf(getRequest("absent")),
      );
      expect(get.code).toBe(Code.NotFound);
    }
    const subscriptions = timeouts.map((timeout) =>
      watchGrpcCall(
        session.request(grpcHeaders(paths.subscribe, namespace, { "grpc-timeout": timeout })),
        frameOf(subscribeRequest("deadline.long")),
      ),
    );
    await sleep(1200);
    for (const subscription of subscriptions) {
      expect(subscription.ended).toBe(false);
      expect(subscription.messages.length).toBe(1); // Subscribed
    }
  });

  it.each(["abc", "1.5S", "-1S", "123456789S", "10x", ""])(
    "a malformed grpc-timeout %j is INVALID_ARGUMENT without echoing it whole",
    async (timeout) => {
      const answer = await grpcAnswer(
        session.request(grpcHeaders(paths.get, namespace, { "grpc-timeout": timeout })),
        frameOf(getRequest("k")),
      );
      expect(answer.code).toBe(Code.InvalidArgument);
      expect(answer.message).toMatch(/malformed grpc-timeout/);
      expect(answer.message.length).toBeLessThan(200);
    },
  );

  it("a subscription reaching its deadline ends DEADLINE_EXCEEDED", async () => {
    const answer = await grpcAnswer(
      session.request(grpcHeaders(paths.subscribe, namespace, { "grpc-timeout": "500m" })),
      frameOf(subscribeRequest("d")),
    );
    expect(answer.code).toBe(Code.DeadlineExceeded);
    expect(answer.messages.length).toBe(1);
  });
});

/** The deadline header of each HTTP/1.1 protocol, a value past Node's timers and malformed ones. */
const webDeadlines: Record<WebProtocol, { header: string; huge: string; short: string; malformed: string[] }> = {
  connect: { header: "connect-timeout-ms", huge: "9999999999", short: "500", malformed: ["abc", "-5", "99999999999"] },
  "grpc-web": { header: "grpc-timeout", huge: "1000H", short: "500m", malformed: ["abc", "1.5S", "123456789S"] },
};

describe.each(
  namespaces.flatMap((namespace) => (["connect", "grpc-web"] as WebProtocol[]).map((protocol) => [protocol, namespace] as const)),
)("%s deadlines, namespace %s", (protocol, namespace) => {
  const { header, huge, short, malformed } = webDeadlines[protocol];
  const call = (path: string, message: Uint8Array, deadline: string, streaming = false, giveUpAfterMs?: number) =>
    webCall({
      url: hostile.url,
      protocol,
      path,
      message,
      streaming,
      headers: { "prism-namespace": namespace, [header]: deadline },
      localAddress: attacker,
      ...(giveUpAfterMs ? { giveUpAfterMs } : {}),
    });

  it(`${header} ${huge} is clamped: the call answers, a subscription stays open`, async () => {
    expect((await call(paths.get, getRequest("absent"), huge)).code).toBe(Code.NotFound);
    const subscription = await call(paths.subscribe, subscribeRequest("web.long"), huge, true, 1200);
    expect(subscription.code).toBe(-1); // still open when the client gave up
    expect(subscription.messages.length).toBe(1); // Subscribed
  });

  it(`a malformed ${header} is INVALID_ARGUMENT`, async () => {
    for (const deadline of malformed) {
      expect((await call(paths.get, getRequest("k"), deadline)).code).toBe(Code.InvalidArgument);
      expect((await call(paths.subscribe, subscribeRequest("k"), deadline, true)).code).toBe(Code.InvalidArgument);
    }
  });

  it("a subscription reaching its deadline ends DEADLINE_EXCEEDED, as on gRPC", async () => {
    const answer = await call(paths.subscribe, subscribeRequest("web.short"), short, true, 5000);
    expect(answer.code).toBe(Code.DeadlineExceeded);
    expect(answer.messages.length).toBe(1);
  });
});

describe("a pattern that stalls", () => {
  it("is held to the caller's deadline by the proxy (gRPC, Connect, gRPC-Web)", async () => {
    const grpc = await grpcAnswer(session.request(grpcHeaders(paths.get, "stall", { "grpc-timeout": "1S" })), frameOf(getRequest("stall")));
    expect(grpc.code).toBe(Code.DeadlineExceeded);
    for (const protocol of ["connect", "grpc-web"] as const) {
      const { header } = webDeadlines[protocol];
      const answer = await webCall({
        url: hostile.url,
        protocol,
        path: paths.get,
        message: getRequest("stall"),
        headers: { "prism-namespace": "stall", [header]: protocol === "connect" ? "1000" : "1S" },
        localAddress: attacker,
      });
      expect(answer.code).toBe(Code.DeadlineExceeded);
    }
    // Once the pattern is free again (the three stalls take 4.5 s), calls are answered. On a new
    // connection: the first one sat idle through the web calls, and the proxy cuts idle ones (2 s here).
    const fresh = await connectFrom(hostile.url, attacker);
    try {
      const after = await grpcAnswer(
        fresh.request(grpcHeaders(paths.get, "stall", { "grpc-timeout": "10S" })),
        frameOf(getRequest("free")),
      );
      expect(after.code).toBe(okCode);
    } finally {
      fresh.destroy();
    }
  });
});
