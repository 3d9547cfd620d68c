// discoverIssuer: OpenID discovery for a public client (no secret), https only except for a loopback issuer (tests).
import * as oidc from "openid-client";
import { InvalidArgumentError, UnavailableError } from "../errors/error-classes.js";
import { reasonOf } from "./reason-of.js";

/** Host names an http issuer may have: this machine only. */
const loopbackHosts = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Discovers `issuer` and returns the openid-client configuration of the public client `clientId`. */
export async function discoverIssuer(issuer: string, clientId: string): Promise<oidc.Configuration> {
  if (typeof clientId !== "string" || clientId === "") throw new InvalidArgumentError("clientId is required");
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new InvalidArgumentError(`issuer ${JSON.stringify(String(issuer).slice(0, 200))} is not a URL`);
  }
  const insecure = url.protocol === "http:";
  if (!(url.protocol === "https:" || (insecure && loopbackHosts.has(url.hostname)))) {
    throw new InvalidArgumentError(`issuer ${url.origin} must be an https URL (http only for localhost or 127.0.0.1)`);
  }
  try {
    return await oidc.discovery(url, clientId, undefined, oidc.None(), insecure ? { execute: [oidc.allowInsecureRequests] } : undefined);
  } catch (error) {
    throw new UnavailableError(`cannot discover the OpenID provider at ${url.href} (${reasonOf(error)})`, { cause: error });
  }
}
