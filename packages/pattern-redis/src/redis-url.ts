// The redis pattern's `url` field: parsing redis:// and rediss:// URLs into host, port, db and
// credentials, rejecting anything else as a ConfigError naming the field, and redacting the
// userinfo (a URL may carry a password) wherever a URL is shown.
import { ConfigError } from "@prism/pattern-sdk";

/** What the `url` field accepts, as said in its config errors. */
export const redisUrlExpectation =
  "a URL like redis://127.0.0.1:6379 or rediss://user:pass@host:6380/2 (redis://[user:password@]host[:port][/db])";

/** Longest stretch of a bad URL shown in an error message. */
const MAX_SHOWN_CHARS = 200;

/** The parts of a redis:// or rediss:// URL. */
export interface RedisUrl {
  /** Whether the scheme is rediss:// (TLS). */
  secure: boolean;
  /** Host name or IP address; an IPv6 address without its brackets. */
  host: string;
  /** Port, 6379 when the URL names none. */
  port: number;
  /** Database index of the path, 0 when the URL names none. */
  db: number;
  /** Percent-decoded user name, "" when none. */
  username: string;
  /** Percent-decoded password, "" when none. */
  password: string;
}

/**
 * Parses the `url` field (or one entry of `cluster`, named by `field`); throws a ConfigError for `field`
 * (userinfo redacted) unless it is a usable redis:// or rediss:// URL.
 */
export function parseRedisUrl(text: string, field = "url"): RedisUrl {
  const reject = (why: string): never => {
    throw new ConfigError({
      field,
      expected: redisUrlExpectation,
      problem: `expected ${redisUrlExpectation}, got ${JSON.stringify(shown(text))}: ${why}`,
    });
  };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return reject("not a valid URL (check the host, the port and that special characters in the password are %-encoded)");
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") reject(`the scheme must be redis: or rediss:, not ${shown(url.protocol)}`);
  if (!text.slice(url.protocol.length).startsWith("//")) reject("the host must follow // after the scheme");
  if (url.search !== "" || url.hash !== "") reject("a query (?...) or fragment (#...) is not supported; use the config fields instead");
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") reject("the host is missing");
  const port = url.port === "" ? 6379 : Number(url.port);
  if (port < 1 || port > 65_535) reject(`port ${url.port} is not in 1-65535`);
  const dbText = url.pathname.replace(/^\//, "");
  if (!/^\d{0,9}$/.test(dbText)) reject("the path must be empty or a database number, like /2");
  let username = "";
  let password = "";
  try {
    username = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    reject("the user name or password has a malformed %-escape");
  }
  return { secure: url.protocol === "rediss:", host, port, db: dbText === "" ? 0 : Number(dbText), username, password };
}

/** `text` with everything from after the scheme's "//" up to the last "@" replaced by "***", so no password shows. */
export function redactUrl(text: string): string {
  return text.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)?.*@/s, "$1***@");
}

/** The redacted `text`, cut to MAX_SHOWN_CHARS. */
function shown(text: string): string {
  const redacted = redactUrl(text);
  return redacted.length > MAX_SHOWN_CHARS ? `${redacted.slice(0, MAX_SHOWN_CHARS)}…` : redacted;
}

/** `host:port` of a server for logs and messages, an IPv6 host in brackets. */
export function hostPort({ host, port }: Pick<RedisUrl, "host" | "port">): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}
