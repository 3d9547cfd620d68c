// A throwaway KeyValueService over a Map, served by connectNodeAdapter, for the client's own unit tests only; it records
// every call's authorization header and answers UNAUTHENTICATED for chosen ones.
import * as http from "node:http";
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { Code, ConnectError, type ConnectRouter, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { KeyValueService } from "@prism/proto/keyvalue/v1";

/** What the fake saw, so tests can assert on the wire traffic. */
export type FakeCalls = {
  /** `prism-namespace` header of every call, in order ("" when absent). */
  namespaces: string[];
  /** `authorization` header of the last call ("" when absent). */
  lastAuthorization: string;
  /** `authorization` header of every call, in order ("" when absent). */
  authorizations: string[];
  /** ttl_ms of every Set and BatchSet entry, in order. */
  ttls: bigint[];
  /** Number of Scan calls. */
  scans: number;
  /** Number of calls of any method. */
  total: number;
};

/** A running fake server. */
export type FakeKeyValueServer = {
  /** Base URL to hand to a transport. */
  url: string;
  /** Recorded traffic. */
  calls: FakeCalls;
  /** Authorization header values answered with UNAUTHENTICATED (add to it, e.g. "Bearer expired"). */
  rejectedAuthorizations: Set<string>;
  /** Stops the server and drops its connections. */
  close(): Promise<void>;
};

/** Namespaces the fake knows; any other is NOT_FOUND with `prism-error-reason: namespace-not-found`. */
const knownNamespaces = new Set(["default", "other"]);

/** Records a call's authorization header and refuses a rejected one with UNAUTHENTICATED. */
export type Admit = (context: HandlerContext) => void;

/** Options of startFakeKeyValueServer. */
export type FakeServerOptions = {
  /** Adds services beside KeyValue; they call `admit` to be recorded and checked like KeyValue calls. */
  routes?: (router: ConnectRouter, admit: Admit) => void;
};

/** Builds `admit` over the recorded calls and the rejected authorization values. */
function createAdmit(calls: FakeCalls, rejected: Set<string>): Admit {
  return (context) => {
    calls.total++;
    const authorization = context.requestHeader.get("authorization") ?? "";
    calls.lastAuthorization = authorization;
    calls.authorizations.push(authorization);
    if (rejected.has(authorization)) throw new ConnectError("token expired", Code.Unauthenticated);
  };
}

/** Builds the KeyValueService implementation over one Map per namespace. */
function createFakeService(calls: FakeCalls, admit: Admit): ServiceImpl<typeof KeyValueService> {
  const stores = new Map<string, Map<string, Uint8Array>>();
  const storeOf = (context: HandlerContext): Map<string, Uint8Array> => {
    admit(context);
    const namespace = context.requestHeader.get("prism-namespace") ?? "";
    calls.namespaces.push(namespace);
    const name = namespace === "" ? "default" : namespace;
    if (!knownNamespaces.has(name)) {
      throw new ConnectError(`namespace "${name}" is not configured`, Code.NotFound, {
        "prism-error-reason": "namespace-not-found",
      });
    }
    let store = stores.get(name);
    if (store === undefined) {
      store = new Map();
      stores.set(name, store);
    }
    return store;
  };
  const checkKey = (key: string): void => {
    if (key === "") throw new ConnectError("key must not be empty", Code.InvalidArgument);
  };
  return {
    set(request, context) {
      const store = storeOf(context);
      checkKey(request.key);
      calls.ttls.push(request.ttlMs);
      store.set(request.key, request.value);
      return {};
    },
    async get(request, context) {
      const store = storeOf(context);
      checkKey(request.key);
      if (request.key === "slow") {
        // Never answers: waits for the client's deadline or cancellation.
        await new Promise((resolve) => context.signal.addEventListener("abort", resolve));
      }
      const value = store.get(request.key);
      if (value === undefined) throw new ConnectError(`key "${request.key}" not found`, Code.NotFound);
      return { value };
    },
    delete(request, context) {
      return { deleted: storeOf(context).delete(request.key) };
    },
    exists(request, context) {
      return { exists: storeOf(context).has(request.key) };
    },
    scan(request, context) {
      const store = storeOf(context);
      calls.scans++;
      const limit = request.limit === 0 ? 100 : request.limit;
      const keys = [...store.keys()].filter((key) => key.startsWith(request.prefix) && key > request.cursor).sort();
      const page = keys.slice(0, limit);
      return {
        items: page.map((key) => ({ key, value: request.includeValues ? store.get(key) : new Uint8Array() })),
        nextCursor: keys.length > limit ? (page.at(-1) ?? "") : "",
      };
    },
    batchGet(request, context) {
      const store = storeOf(context);
      return {
        results: request.keys.map((key) => {
          const value = store.get(key);
          return value === undefined ? { key, found: false } : { key, found: true, value };
        }),
      };
    },
    batchSet(request, context) {
      const store = storeOf(context);
      for (const entry of request.entries) {
        checkKey(entry.key);
        calls.ttls.push(entry.ttlMs);
        store.set(entry.key, entry.value);
      }
      return { count: request.entries.length };
    },
    batchDelete(request, context) {
      const store = storeOf(context);
      return { deleted: request.keys.map((key) => store.delete(key)) };
    },
  };
}

/** Starts the fake on 127.0.0.1, port 0: HTTP/2 cleartext ("h2") or HTTP/1.1 ("h1"). */
export async function startFakeKeyValueServer(kind: "h2" | "h1", options: FakeServerOptions = {}): Promise<FakeKeyValueServer> {
  const calls: FakeCalls = { namespaces: [], lastAuthorization: "", authorizations: [], ttls: [], scans: 0, total: 0 };
  const rejectedAuthorizations = new Set<string>();
  const admit = createAdmit(calls, rejectedAuthorizations);
  const handler = connectNodeAdapter({
    routes: (router) => {
      router.service(KeyValueService, createFakeService(calls, admit));
      options.routes?.(router, admit);
    },
  });
  if (kind === "h2") {
    const server = http2.createServer(handler);
    const sessions = new Set<http2.ServerHttp2Session>();
    server.on("session", (session) => {
      sessions.add(session);
      session.on("close", () => sessions.delete(session));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      calls,
      rejectedAuthorizations,
      close: () =>
        new Promise<void>((resolve) => {
          for (const session of sessions) session.destroy();
          server.close(() => resolve());
        }),
    };
  }
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    rejectedAuthorizations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
