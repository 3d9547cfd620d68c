// autoInteraction: the IdP's login and consent "pages" (interactions.url → /interaction/:uid), replacing
// oidc-provider's devInteractions with no UI at all. Login signs in the user named by the test-user cookie (set by
// approveDevice) if that user exists; consent grants everything the client asked for.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Provider } from "oidc-provider";
import { testUserCookie } from "./approve-device.js";

/** The path prefix under which interactions are served. */
export const interactionPathPrefix = "/interaction/";

/** Finishes the pending interaction of this request: logs in the cookie's user (one of `users`) or grants consent. */
export async function autoInteraction(
  provider: Provider,
  users: ReadonlyMap<string, readonly string[]>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { prompt, params, session, grantId } = await provider.interactionDetails(req, res);
  if (prompt.name === "login") {
    const user = cookieValue(req.headers.cookie, testUserCookie);
    if (user === undefined || !users.has(user)) {
      const result = { error: "access_denied", error_description: `no such test user: ${user ?? "(none)"}` };
      return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    }
    return provider.interactionFinished(req, res, { login: { accountId: user } }, { mergeWithLastSubmission: false });
  }
  if (prompt.name === "consent") {
    const clientId = typeof params.client_id === "string" ? params.client_id : undefined;
    const grant = grantId ? await provider.Grant.find(grantId) : new provider.Grant({ accountId: session?.accountId, clientId: clientId });
    if (grant === undefined) throw new Error(`autoInteraction: grant ${grantId} not found`);
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
    if (isStringArray(missingOIDCScope)) grant.addOIDCScope(missingOIDCScope);
    if (isStringArray(missingOIDCClaims)) grant.addOIDCClaims(missingOIDCClaims);
    if (typeof missingResourceScopes === "object" && missingResourceScopes !== null) {
      for (const [resource, scopes] of Object.entries(missingResourceScopes)) {
        if (isStringArray(scopes)) grant.addResourceScope(resource, scopes);
      }
    }
    const consent = { consent: { grantId: await grant.save() } };
    return provider.interactionFinished(req, res, consent, { mergeWithLastSubmission: true });
  }
  res.statusCode = 501;
  res.end(`test-idp: unsupported prompt ${prompt.name}`);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const pair of header?.split(";") ?? []) {
    const equals = pair.indexOf("=");
    if (equals > 0 && pair.slice(0, equals).trim() === name) return decodeURIComponent(pair.slice(equals + 1).trim());
  }
  return undefined;
}
