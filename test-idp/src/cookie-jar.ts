// CookieJar: the cookie handling of a minimal headless browser talking to one test server. It ignores Path and
// Domain (every cookie goes with every request) and drops cookies that are emptied or expired by Set-Cookie.

/** Cookies by name, fed from Set-Cookie headers and rendered as a Cookie header. */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  /** A jar holding `initial` (name → value). */
  constructor(initial: Record<string, string> = {}) {
    for (const [name, value] of Object.entries(initial)) this.#cookies.set(name, value);
  }

  /** The Cookie request header for every cookie in the jar. */
  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  /** Applies the Set-Cookie header lines of a response. */
  store(setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const [pair = "", ...attributes] = line.split(";");
      const equals = pair.indexOf("=");
      if (equals <= 0) continue;
      const name = pair.slice(0, equals).trim();
      const value = pair.slice(equals + 1).trim();
      if (value === "" || attributes.some(isPastExpiry)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
}

function isPastExpiry(attribute: string): boolean {
  const [name = "", value = ""] = attribute.split("=");
  const key = name.trim().toLowerCase();
  if (key === "max-age") return Number(value) <= 0;
  return key === "expires" && Date.parse(value) < Date.now();
}
