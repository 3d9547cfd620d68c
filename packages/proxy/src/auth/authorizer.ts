// The per-call check: who is calling (the bearer token, verified once and then remembered until
// it expires) and whether they hold the permission the call needs on its namespace. A known
// token costs a map lookup and a set lookup; only a new token is verified (asynchronously).
// UNAUTHENTICATED when there is no valid token, PERMISSION_DENIED naming the namespace and the
// permission when the caller lacks it.
import { Code, ConnectError } from "@connectrpc/connect";
import type { Permission } from "./method-permissions.js";
import { holdsAny, type Identity } from "./principal.js";
import type { TokenVerifier, VerifiedToken } from "./token-verifier.js";

/** Who may do what on one namespace. */
export interface NamespaceAccess {
  /** Principals granted read. */
  readonly read: ReadonlySet<string>;
  /** Principals granted write. */
  readonly write: ReadonlySet<string>;
  /** Principals granted admin (admin implies read and write). */
  readonly admin: ReadonlySet<string>;
}

/** A check's result: the caller, or the error to answer with. */
export type AuthDecision = Identity | ConnectError;

/** A remembered verification: the token's identity, or why it was refused. */
type CacheEntry = { identity: Identity; expiresAtMs: number } | { refused: ConnectError; expiresAtMs: number };

/** Longest header text of a refused token that is remembered. */
const maxRememberedRefusalChars = 2048;

/** How long a refused token is remembered (a flood of one bad token is not re-verified each time). */
const refusalMemoryMs = 10_000;

const missingToken = new ConnectError("this proxy requires Authorization: Bearer <token>", Code.Unauthenticated);

/** Authentication and per-namespace authorization of calls. */
export class Authorizer {
  private readonly tokens = new Map<string, CacheEntry>();
  private readonly pending = new Map<string, Promise<CacheEntry>>();

  constructor(
    private readonly verifier: TokenVerifier,
    /** Access rules by namespace (replaced when namespaces change). */
    private access: ReadonlyMap<string, NamespaceAccess>,
    /** Principals that administer the proxy and every namespace. */
    private readonly proxyAdmins: ReadonlySet<string>,
    /** Most tokens remembered. */
    private readonly cacheSize: number,
  ) {}

  /** Replaces the access rules (after namespaces were created, updated or deleted). */
  setAccess(access: ReadonlyMap<string, NamespaceAccess>): void {
    this.access = access;
  }

  /**
   * Checks a call on `namespace` needing `permission` (undefined namespace = the proxy itself, for
   * the admin API). Synchronous for a remembered token; a Promise when the token is new.
   */
  check(
    authorization: string | string[] | undefined,
    namespace: string | undefined,
    permission: Permission,
  ): AuthDecision | Promise<AuthDecision> {
    if (typeof authorization !== "string") return missingToken;
    // Remembered by the header's exact text: a known token costs one map lookup, no parsing.
    const entry = this.tokens.get(authorization);
    if (entry !== undefined && entry.expiresAtMs > Date.now()) return this.decide(entry, namespace, permission);
    const token = bearerToken(authorization);
    if (token === undefined) return missingToken;
    return this.verify(authorization, token).then((verified) => this.decide(verified, namespace, permission));
  }

  /** The decision for a verified (or refused) token. */
  private decide(entry: CacheEntry, namespace: string | undefined, permission: Permission): AuthDecision {
    if ("refused" in entry) return entry.refused;
    const { identity } = entry;
    if (holdsAny(identity, this.proxyAdmins)) return identity;
    if (namespace === undefined) {
      return new ConnectError(
        `${identity.caller.subject} may not administer this proxy (it needs one of auth.admin)`,
        Code.PermissionDenied,
      );
    }
    const rules = this.access.get(namespace);
    const granted =
      rules !== undefined &&
      (holdsAny(identity, rules.admin) ||
        (permission === "read" && (holdsAny(identity, rules.read) || holdsAny(identity, rules.write))) ||
        (permission === "write" && holdsAny(identity, rules.write)));
    if (granted) return identity;
    return new ConnectError(
      `${identity.caller.subject} may not ${permission} namespace "${namespace}" (it needs ${permission} in its access rules)`,
      Code.PermissionDenied,
    );
  }

  /** Verifies `token` (once for concurrent calls) and remembers the result under the header text `key`. */
  private verify(key: string, token: string): Promise<CacheEntry> {
    let pending = this.pending.get(key);
    if (pending === undefined) {
      pending = this.verifier.verify(token).then(
        (verified: VerifiedToken): CacheEntry => ({ identity: verified.identity, expiresAtMs: verified.expiresAtMs }),
        (error: unknown): CacheEntry => ({
          refused: error instanceof ConnectError ? error : new ConnectError(String(error), Code.Unauthenticated),
          // An issuer that is down is not remembered: the next call tries again.
          expiresAtMs: error instanceof ConnectError && error.code === Code.Unavailable ? 0 : Date.now() + refusalMemoryMs,
        }),
      );
      this.pending.set(key, pending);
      void pending.then((entry) => {
        this.pending.delete(key);
        this.remember(key, entry);
      });
    }
    return pending;
  }

  private remember(token: string, entry: CacheEntry): void {
    if (entry.expiresAtMs <= Date.now()) return;
    // Refusals of long tokens are not kept: an attacker's garbage must not fill memory (10,000 × 16 KiB).
    if ("refused" in entry && token.length > maxRememberedRefusalChars) return;
    if (this.tokens.size >= this.cacheSize) {
      // Oldest first: Map keeps insertion order.
      const oldest = this.tokens.keys().next().value;
      if (oldest !== undefined) this.tokens.delete(oldest);
    }
    this.tokens.set(token, entry);
  }
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
function bearerToken(authorization: string | string[] | undefined): string | undefined {
  if (typeof authorization !== "string") return undefined;
  const match = /^Bearer ([A-Za-z0-9._~+/=-]{1,16384})$/i.exec(authorization.trim());
  return match?.[1];
}
