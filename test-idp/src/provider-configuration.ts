// providerConfiguration: the oidc-provider configuration of the test IdP. JWT (ES256) access tokens for one resource
// indicator (the audience) carrying a `groups` claim; machine clients on client_credentials; one public device-flow
// client with refresh tokens; no UI (interactions are answered by autoInteraction, pages are plain and quiet). Every
// default oidc-provider would announce on the console ("you SHOULD/MUST change it") is replaced.
import type { ClientMetadata, Configuration, KoaContextWithOIDC } from "oidc-provider";
import { deviceApprovedBody } from "./approve-device.js";
import { interactionPathPrefix } from "./auto-interaction.js";
import type { OidcProviderModule } from "./import-oidc-provider.js";
import { type MemoryAdapterStore, memoryAdapter } from "./memory-adapter.js";
import { type SigningKeyRing, signingAlgorithm } from "./signing-key-ring.js";

/** The OAuth grant type of the device flow. */
export const deviceCodeGrantType = "urn:ietf:params:oauth:grant-type:device_code";

/** Paths of the endpoints the harness calls itself (pinned here rather than relying on oidc-provider's defaults). */
export const routes = { jwks: "/jwks", token: "/token" } as const;

/** The resource indicator (RFC 8707) for `audience`: itself if an absolute URI (oidc-provider needs one), else urn:test-idp:<audience>. */
export function resourceIndicatorFor(audience: string): string {
  return URL.canParse(audience) && !audience.includes("#") ? audience : `urn:test-idp:${encodeURIComponent(audience)}`;
}

/** What the test IdP is configured from. */
export interface ProviderSettings {
  /** The `aud` of every access token (its resource indicator is `resourceIndicatorFor(audience)`). */
  audience: string;
  /** Resource scopes (besides openid and offline_access). */
  scopes: readonly string[];
  /** Device-flow users: name → groups. */
  users: ReadonlyMap<string, readonly string[]>;
  /** client_credentials clients: client id → secret and groups. */
  machines: ReadonlyMap<string, { secret: string; groups: readonly string[] }>;
  /** Client id of the public device-flow client. */
  deviceClientId: string;
  /** Access token lifetime in seconds. */
  accessTokenTtlSeconds: number;
  /** Signing keys; the current kid is read at every token issuance. */
  keys: SigningKeyRing;
  /** Keys signing the provider's cookies (kept across Provider instances). */
  cookieKeys: string[];
  /** Storage shared by every Provider instance of one IdP. */
  store: MemoryAdapterStore;
}

/** The oidc-provider configuration for `settings` (`oidc` supplies oidc-provider's error classes). */
export function providerConfiguration(oidc: OidcProviderModule, settings: ProviderSettings): Configuration {
  const { audience, users, machines, keys } = settings;
  const resource = resourceIndicatorFor(audience);
  const page = (ctx: KoaContextWithOIDC, form: string, error?: Error) => {
    ctx.type = "html";
    const message = error ? `<p class="error">${escapeHtml(`${error.name}: ${error.message}`)}</p>\n` : "";
    ctx.body = `<!DOCTYPE html>\n<title>test-idp</title>\n${message}${form}`;
  };
  return {
    adapter: memoryAdapter(settings.store),
    jwks: { keys: keys.privateKeys },
    routes,
    clients: [
      ...[...machines].map(
        ([clientId, { secret }]): ClientMetadata => ({
          client_id: clientId,
          client_secret: secret,
          grant_types: ["client_credentials"],
          response_types: [],
          redirect_uris: [],
          token_endpoint_auth_method: "client_secret_basic",
        }),
      ),
      {
        client_id: settings.deviceClientId,
        application_type: "native",
        token_endpoint_auth_method: "none",
        grant_types: [deviceCodeGrantType, "refresh_token"],
        response_types: [],
        redirect_uris: [],
      } satisfies ClientMetadata,
    ],
    // Without RSA keys the RS256 default would make every client invalid.
    clientDefaults: { id_token_signed_response_alg: signingAlgorithm },
    scopes: ["openid", "offline_access"],
    claims: { openid: ["sub"] },
    async findAccount(_ctx, sub) {
      return users.has(sub) ? { accountId: sub, claims: () => ({ sub }) } : undefined;
    },
    async extraTokenClaims(_ctx, token) {
      const accountId = "accountId" in token ? token.accountId : undefined;
      const groups = accountId === undefined ? machines.get(token.clientId ?? "")?.groups : users.get(accountId);
      return { groups: [...(groups ?? [])] };
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    expiresWithSession: async () => false,
    clientBasedCORS: () => true,
    interactions: { url: async (_ctx, interaction) => `${interactionPathPrefix}${interaction.uid}` },
    async renderError(ctx, out) {
      ctx.type = "text";
      ctx.body = `${out.error}: ${out.error_description ?? ""}`;
    },
    cookies: { keys: settings.cookieKeys },
    ttl: {
      AccessToken: settings.accessTokenTtlSeconds,
      ClientCredentials: settings.accessTokenTtlSeconds,
      IdToken: settings.accessTokenTtlSeconds,
      DeviceCode: 600,
      Interaction: 600,
      Session: 86_400,
      Grant: 86_400,
      RefreshToken: 86_400,
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: async (ctx, form, _out, error) => page(ctx, form, error),
        userCodeConfirmSource: async (ctx, form) => page(ctx, form),
        async successSource(ctx) {
          ctx.type = "text";
          ctx.body = deviceApprovedBody;
        },
      },
      resourceIndicators: {
        enabled: true,
        // Requests without `resource` (client_credentials, device authorization) get the audience's.
        defaultResource: async (_ctx, _client, oneOf) => oneOf ?? resource,
        // Token requests without `resource` (device_code, refresh_token) keep the granted one: JWTs, not opaque tokens.
        useGrantedResource: async () => true,
        async getResourceServerInfo(_ctx, resourceIndicator) {
          if (resourceIndicator !== resource) throw new oidc.errors.InvalidTarget();
          return {
            scope: settings.scopes.join(" "),
            audience,
            accessTokenTTL: settings.accessTokenTtlSeconds,
            accessTokenFormat: "jwt",
            jwt: { sign: { alg: signingAlgorithm, kid: keys.currentKid } },
          };
        },
      },
    },
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
