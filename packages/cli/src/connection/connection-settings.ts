// ConnectionSettings: where and how prismctl calls the proxy (URL, namespace, deadline, token source), resolved once
// per command from the global options and the environment, and the client built from them.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createPrismClient, InvalidArgumentError, type PrismClient, type PrismClientOptions } from "@prism/client";
import { UsageError } from "../usage-error.js";
import type { GlobalOptions } from "./global-options.js";

/** A Connect interceptor, as createPrismClient takes them (used to watch calls, e.g. count scan pages). */
export type CallInterceptor = NonNullable<PrismClientOptions["interceptors"]>[number];

/** Where the bearer token comes from. */
export type TokenSource =
  /** PRISM_TOKEN. */
  | { kind: "env" }
  /** The login cache written by `prismctl login`. */
  | { kind: "file"; path: string }
  /** No token: for an open proxy. */
  | { kind: "none"; path: string };

/** Resolved connection settings of one command. */
export type ConnectionSettings = {
  /** The proxy's base URL. */
  url: string;
  /** The namespace data calls go to. */
  namespace: string;
  /** Per-call deadline in milliseconds (0 = none). */
  timeoutMs: number;
  /** Where the token comes from. */
  token: TokenSource;
};

/** The login cache: PRISM_TOKEN_FILE, else ~/.prism/token.json (where @prism/client/login stores it). */
export function tokenFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.PRISM_TOKEN_FILE;
  return configured !== undefined && configured !== "" ? configured : join(homedir(), ".prism", "token.json");
}

/** Resolves the settings; UsageError for a URL that is not http(s). `urlSource` names where the URL came from. */
export function resolveConnection(options: GlobalOptions, urlSource: string, env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    url = new URL("invalid:");
  }
  if (url.username !== "" || url.password !== "") {
    // It would be echoed in output and messages: credentials go in PRISM_TOKEN or the login cache.
    throw new UsageError(`${urlSource}: a URL with a user name or password is not taken; give a token with PRISM_TOKEN or prismctl login`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`${urlSource} ${JSON.stringify(options.url)}: expected an http:// or https:// URL such as http://127.0.0.1:8980`);
  }
  const path = tokenFilePath(env);
  const token: TokenSource =
    env.PRISM_TOKEN !== undefined && env.PRISM_TOKEN !== ""
      ? { kind: "env" }
      : existsSync(path)
        ? { kind: "file", path }
        : { kind: "none", path };
  return { url: options.url.replace(/\/+$/, ""), namespace: options.namespace ?? "default", timeoutMs: options.timeout, token };
}

/** Creates the client for `settings`; UsageError for a namespace name the client refuses. */
export async function connect(settings: ConnectionSettings, interceptors: CallInterceptor[] = []): Promise<PrismClient> {
  const token = await tokenOf(settings.token);
  try {
    return createPrismClient({
      url: settings.url,
      namespace: settings.namespace,
      timeoutMs: settings.timeoutMs,
      ...(token === undefined ? {} : { token }),
      ...(interceptors.length === 0 ? {} : { interceptors }),
    });
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new UsageError(`--namespace: ${error.rawMessage}`);
    throw error;
  }
}

/** The token (or provider) for a source; the login module is only loaded when there is a login cache. */
async function tokenOf(source: TokenSource): Promise<PrismClientOptions["token"]> {
  if (source.kind === "env") return process.env.PRISM_TOKEN;
  if (source.kind === "none") return undefined;
  const { fileTokenProvider } = await import("@prism/client/login");
  return fileTokenProvider({ path: source.path });
}
