// startTestIdp: a real OpenID provider (oidc-provider) in-process on http://127.0.0.1:<free port>, for tests of
// services that verify JWT access tokens and of CLIs that log in with the device flow. Tokens are ES256 JWTs for
// one audience with `groups`, `scope`, `sub` and `client_id` claims. Signing keys rotate without a restart: keys
// are staged in the keystore ahead of time and published on rotation; when the staged keys run out, a new batch is
// staged by swapping in a new Provider (same issuer, server, connections and storage), which no client can notice.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Provider } from "oidc-provider";
import { approveDevice } from "./approve-device.js";
import { autoInteraction, interactionPathPrefix } from "./auto-interaction.js";
import { importOidcProvider } from "./import-oidc-provider.js";
import { createMemoryAdapterStore } from "./memory-adapter.js";
import { type ProviderSettings, providerConfiguration, resourceIndicatorFor, routes } from "./provider-configuration.js";
import { SigningKeyRing } from "./signing-key-ring.js";

/** Options of `startTestIdp`. */
export interface TestIdpOptions {
  /** Audience (resource indicator) the access tokens are issued for; default "prism". */
  audience?: string;
  /** Users who can log in with the device flow: name → groups. Default { alice: ["ops"] }. */
  users?: Record<string, string[]>;
  /** Machine clients for client_credentials: client id → groups; their tokens' sub is the client id. Default { "ops-bot": ["ops"] }. */
  machines?: Record<string, string[]>;
  /** Access token lifetime in seconds (default 300). */
  accessTokenTtlSeconds?: number;
  /** Scopes a token may carry besides openid/offline_access; default ["prism.read", "prism.write", "prism.admin"]. */
  scopes?: string[];
}

/** A running test IdP (see `startTestIdp`). */
export interface TestIdp {
  /** The issuer, http://127.0.0.1:PORT (no trailing slash). */
  readonly issuer: string;
  /** The audience (`aud`) of every access token. */
  readonly audience: string;
  /** The resource indicator (RFC 8707) for the audience, which clients may omit: the audience if an absolute URI, else urn:test-idp:<audience>. */
  readonly resource: string;
  /** The JWKS endpoint. */
  readonly jwksUri: string;
  /** The public client for the device flow ("prism-cli"). */
  readonly deviceClientId: string;
  /** A client_credentials access token (JWT) for `machine` (default the first), with `scope` (space-separated, default all scopes). */
  token(machine?: string, scope?: string): Promise<string>;
  /** Plays the user `user` approving a device authorization at verification_uri_complete (no browser). */
  approveDevice(verificationUriComplete: string, user: string): Promise<void>;
  /** Rotates the signing key: a new key is published and signs from now on; old tokens stay valid. Returns the new kid. */
  rotateSigningKey(): Promise<string>;
  /** The kids published at the JWKS endpoint now (newest first). */
  publishedKids(): string[];
  /** How many times the JWKS endpoint was fetched (to test that verifiers cache and rate-limit refetches). */
  readonly jwksFetches: number;
  /** Stops the server (all connections); a second call does nothing. */
  close(): Promise<void>;
}

/** Client id of the device-flow client. */
const deviceClientId = "prism-cli";

/** Keys generated per batch: one more than needed so the next rotation always finds a staged key. */
const keyBatch = 4;

/** Starts a test IdP on a free port of 127.0.0.1. */
export async function startTestIdp(options: TestIdpOptions = {}): Promise<TestIdp> {
  const oidc = await importOidcProvider();
  const audience = options.audience ?? "prism";
  const scopes = options.scopes ?? ["prism.read", "prism.write", "prism.admin"];
  const users = new Map(Object.entries(options.users ?? { alice: ["ops"] }));
  const machines = new Map(
    Object.entries(options.machines ?? { "ops-bot": ["ops"] }).map(([id, groups]) => [
      id,
      { groups, secret: randomBytes(32).toString("base64url") },
    ]),
  );
  const keys = new SigningKeyRing(keyBatch - 1);

  const server = createServer();
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("test-idp: server has no TCP address");
  const issuer = `http://127.0.0.1:${address.port}`;
  const settings: ProviderSettings = {
    audience,
    scopes,
    users,
    machines,
    deviceClientId,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 300,
    keys,
    cookieKeys: [randomBytes(32).toString("base64url")],
    store: createMemoryAdapterStore(),
  };

  let jwksFetches = 0;
  const buildProvider = (): { provider: Provider; handle: (req: IncomingMessage, res: ServerResponse) => void } => {
    const provider = new oidc.Provider(issuer, providerConfiguration(oidc, settings));
    // Count JWKS fetches and serve only published keys (staged keys are in the keystore but must stay hidden).
    provider.use(async (ctx, next) => {
      await next();
      if (ctx.path !== routes.jwks || ctx.status !== 200) return;
      jwksFetches++;
      const body: unknown = ctx.body;
      if (typeof body !== "object" || body === null || !("keys" in body) || !Array.isArray(body.keys)) return;
      const published = new Set(keys.publishedKids);
      const type = ctx.type;
      ctx.body = { keys: body.keys.filter((key: unknown) => typeof key === "object" && key !== null && published.has(kidOf(key) ?? "")) };
      ctx.type = type;
    });
    return { provider, handle: provider.callback() };
  };
  let current: ReturnType<typeof buildProvider>;
  try {
    current = buildProvider();
  } catch (error) {
    server.close(); // e.g. oidc-provider rejected the configuration: do not leave the port open
    throw error;
  }

  server.on("request", (req, res) => {
    if (!req.url?.startsWith(interactionPathPrefix)) {
      current.handle(req, res);
      return;
    }
    autoInteraction(current.provider, users, req, res).catch((error: unknown) => {
      if (!res.headersSent) res.statusCode = 500;
      res.end(`test-idp: interaction failed: ${String(error)}`);
    });
  });

  const tokenEndpoint = `${issuer}${routes.token}`;
  const resource = resourceIndicatorFor(audience);
  return {
    issuer,
    audience,
    resource,
    jwksUri: `${issuer}${routes.jwks}`,
    deviceClientId,
    get jwksFetches() {
      return jwksFetches;
    },
    async token(machine, scope = scopes.join(" ")) {
      const id = machine ?? machines.keys().next().value;
      const client = id === undefined ? undefined : machines.get(id);
      if (id === undefined || client === undefined) throw new Error(`test-idp: no machine client ${machine ?? "(none configured)"}`);
      const credentials = Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(client.secret)}`).toString("base64");
      const response = await fetch(tokenEndpoint, {
        method: "POST",
        headers: { authorization: `Basic ${credentials}` },
        body: new URLSearchParams({ grant_type: "client_credentials", scope, resource }),
      });
      const body: unknown = await response.json();
      const accessToken = typeof body === "object" && body !== null && "access_token" in body ? body.access_token : undefined;
      if (!response.ok || typeof accessToken !== "string") {
        throw new Error(`test-idp: client_credentials for ${id} failed (${response.status}): ${JSON.stringify(body)}`);
      }
      return accessToken;
    },
    async approveDevice(verificationUriComplete, user) {
      if (!users.has(user)) throw new Error(`test-idp: no user ${user}`);
      await approveDevice(verificationUriComplete, user);
    },
    async rotateSigningKey() {
      if (keys.stagedCount === 0) {
        // oidc-provider's keystore is fixed per Provider: stage a batch and swap in a Provider that holds it.
        keys.stage(keyBatch);
        current = buildProvider();
      }
      return keys.publishNext();
    },
    publishedKids() {
      return keys.publishedKids;
    },
    close() {
      if (!server.listening) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

function kidOf(key: object): string | undefined {
  return "kid" in key && typeof key.kid === "string" ? key.kid : undefined;
}
