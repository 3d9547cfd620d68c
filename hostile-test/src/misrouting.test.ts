// Item 7 of the hostile-client findings: a call must never be served by a namespace it did not
// name. Invalid prism-namespace values (uppercase, too long, 60 KB, several values) are
// INVALID_ARGUMENT on every protocol, with a short message that never echoes the value; a value
// with a control character (which Node's HTTP/2 layer drops before the proxy sees it) is, with
// `absentNamespace: ""`, a call without the header: INVALID_ARGUMENT, and it never lands in `default`.
import { Code } from "@prism/client";
import { type ClientHttp2Session, constants } from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CallAnswer, grpcAnswer, okCode, type WebProtocol, webCall } from "./call-answers.js";
import { connectFrom, GoodClient } from "./good-client.js";
import { grpcRequestHeaders } from "./h2-frames.js";
import { type HostileProxy, startHostileProxy } from "./hostile-proxy.js";
import { connectRawHeaderSession } from "./raw-header-session.js";
import { postHead, rawHttp1Status } from "./raw-http1.js";
import { frameOf, getRequest, grpcHeaders, paths, setRequest } from "./requests.js";

const attacker = "127.0.0.1";
/** Longest status message accepted for a refused namespace: the rule, never the value. */
const maxMessageLength = 200;

const misrouted = (key: string) => setRequest(key, "misrouted");

/** Header values that are not namespace names (a string, or several values of the header). */
const invalidNamespaces: [string, string | string[]][] = [
  ["uppercase", "Default"],
  ["64 characters", "p".repeat(64)],
  ["60 KB", "d".repeat(60_000)],
  ["several values", ["default", "proc"]],
  ["a name with a dot", "proc.keyvalue"],
];

function expectRefusedWithoutEcho(answer: CallAnswer, value: string | string[]): void {
  expect(answer.code).toBe(Code.InvalidArgument);
  expect(answer.message).toMatch(/invalid prism-namespace header/);
  expect(answer.message.length).toBeLessThanOrEqual(maxMessageLength);
  for (const one of [value].flat()) expect(answer.message).not.toContain(one);
}

describe("invalid prism-namespace values", () => {
  let hostile: HostileProxy;
  let session: ClientHttp2Session;
  const good = () => new GoodClient(hostile.url);

  beforeAll(async () => {
    // Header lists up to 128 KiB reach the router, so the 60 KB value is refused by name, not by size.
    hostile = await startHostileProxy({ overload: { maxHeaderBytes: 128 * 1024 } });
    session = await connectFrom(hostile.url, attacker);
  });
  afterAll(async () => {
    session?.destroy();
    const code = await hostile?.stop();
    expect(code).toBe(0);
  });

  it.each(invalidNamespaces)("gRPC: %s is INVALID_ARGUMENT, not echoed, and nothing is written anywhere", async (what, value) => {
    const key = `grpc-${what.replace(/\W/g, "-")}`;
    const stream = session.request(grpcHeaders(paths.set, value));
    expectRefusedWithoutEcho(await grpcAnswer(stream, frameOf(misrouted(key))), value);
    for (const namespace of ["default", "proc"]) {
      await expect(good().get(namespace, key)).rejects.toMatchObject({ code: Code.NotFound });
    }
  });

  it.each(["connect", "grpc-web"] as WebProtocol[])(
    "%s over HTTP/1.1: every invalid value is INVALID_ARGUMENT, not echoed",
    async (protocol) => {
      for (const [what, value] of invalidNamespaces) {
        const key = `${protocol}-${what.replace(/\W/g, "-")}`;
        // HTTP/1.1 has no repeated-field form Node keeps apart: several values arrive joined by ", ".
        const header = Array.isArray(value) ? value.join(", ") : value;
        const answer = await webCall({
          url: hostile.url,
          protocol,
          path: paths.set,
          message: misrouted(key),
          headers: { "prism-namespace": header },
          localAddress: attacker,
        });
        expectRefusedWithoutEcho(answer, value);
        await expect(good().get("default", key)).rejects.toMatchObject({ code: Code.NotFound });
      }
    },
  );

  it("a header list over maxHeaderBytes is refused before routing, and the proxy keeps serving", async () => {
    const stream = session.request(grpcHeaders(paths.get, "x".repeat(200_000)));
    const answer = await grpcAnswer(stream, frameOf(getRequest("k")));
    // Node's HTTP/2 layer refuses the stream (REFUSED_STREAM): a clean refusal, nothing routed.
    expect(answer).toMatchObject({ code: -1, rstCode: constants.NGHTTP2_REFUSED_STREAM });
    await good().roundTrip("default", "after-huge-header");
  });

  it("never echoes a value in the log either: every log line is short", () => {
    const longest = Math.max(...hostile.proxy.logs.map((record) => JSON.stringify(record).length));
    expect(longest).toBeLessThan(4096);
    expect(hostile.rawLines()).toEqual([]);
  });
});

describe('a control character in the value, with absentNamespace: ""', () => {
  let hostile: HostileProxy;

  beforeAll(async () => {
    hostile = await startHostileProxy({ config: { absentNamespace: "" } });
  });
  afterAll(async () => {
    const code = await hostile?.stop();
    expect(code).toBe(0);
  });

  it.each([
    ["\\x01", "\x01"],
    ["NUL", "\x00"],
    ["DEL", "\x7f"],
    ["a line feed", "\n"],
  ])("gRPC: %s makes the call one without the header: INVALID_ARGUMENT, never served by default", async (what, control) => {
    const raw = await connectRawHeaderSession(hostile.url, attacker);
    try {
      const key = `control-${what.replace(/\W/g, "")}`;
      const headers = grpcRequestHeaders(hostile.host, paths.set, [["prism-namespace", Buffer.from(`def${control}ault`, "latin1")]]);
      const answer = await grpcAnswer(raw.request(headers), frameOf(misrouted(key)));
      expect(answer.code).toBe(Code.InvalidArgument);
      expect(answer.message).toMatch(/requires a prism-namespace header/);
      await expect(new GoodClient(hostile.url).get("default", key)).rejects.toMatchObject({ code: Code.NotFound });
    } finally {
      raw.close();
    }
  });

  it("the same hand-encoded call with a clean value is served (the encoding is not what is refused)", async () => {
    const raw = await connectRawHeaderSession(hostile.url, attacker);
    try {
      const headers = grpcRequestHeaders(hostile.host, paths.set, [["prism-namespace", "default"]]);
      const answer = await grpcAnswer(raw.request(headers), frameOf(misrouted("control-clean")));
      expect(answer.code).toBe(okCode);
      expect(await new GoodClient(hostile.url).get("default", "control-clean")).toBe("misrouted");
    } finally {
      raw.close();
    }
  });

  it.each([
    ["connect", "application/proto"],
    ["grpc-web", "application/grpc-web+proto"],
  ])("%s over HTTP/1.1: a control character is refused by the HTTP parser (400), never served", async (protocol, contentType) => {
    const key = `control-${protocol}`;
    const body = Buffer.from(protocol === "connect" ? misrouted(key) : frameOf(misrouted(key)));
    const head = postHead(hostile.host, paths.set, {
      "content-type": contentType,
      "content-length": String(body.byteLength),
      "prism-namespace": "def\x01ault",
    });
    expect(await rawHttp1Status(hostile.host, hostile.port, attacker, head, body)).toBe(400);
    await expect(new GoodClient(hostile.url).get("default", key)).rejects.toMatchObject({ code: Code.NotFound });
  });

  it("a call without the header is INVALID_ARGUMENT on every protocol", async () => {
    const session = await connectFrom(hostile.url, attacker);
    try {
      const answer = await grpcAnswer(session.request(grpcHeaders(paths.get)), frameOf(getRequest("k")));
      expect(answer.code).toBe(Code.InvalidArgument);
      expect(answer.message).toMatch(/requires a prism-namespace header/);
    } finally {
      session.destroy();
    }
    for (const protocol of ["connect", "grpc-web"] as const) {
      const answer = await webCall({ url: hostile.url, protocol, path: paths.get, message: getRequest("k") });
      expect(answer.code).toBe(Code.InvalidArgument);
    }
    expect(hostile.rawLines()).toEqual([]);
  });
});
