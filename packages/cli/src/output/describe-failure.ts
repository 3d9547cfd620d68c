// describeFailure: the text after "prismctl: <what>: " for a failure: the proxy's message with its gRPC code, what it
// means here (the namespace of a missing key, the proxy that did not answer) and what to do; never a token.
import {
  DeadlineExceededError,
  IdentityNotFoundError,
  KeyNotFoundError,
  PermissionDeniedError,
  PrismError,
  UnauthenticatedError,
  UnavailableError,
} from "@prism/client";
import type { ConnectionSettings } from "../connection/connection-settings.js";

/** What @prism/client/login says to do when the stored login is unusable, in the words of its API. */
const clientLoginHint = /run the device login again \(deviceLogin from @prism\/client\/login\)/g;

/** Describes `error` for stderr; `settings` (when known) adds the namespace, the proxy and the token source. */
export function describeFailure(error: unknown, settings: ConnectionSettings | undefined): string {
  return redact(describe(error, settings).replace(clientLoginHint, "run `prismctl login`"));
}

function describe(error: unknown, settings: ConnectionSettings | undefined): string {
  if (!(error instanceof PrismError)) return error instanceof Error ? error.message : String(error);
  const namespace = settings === undefined ? "" : ` in namespace ${JSON.stringify(settings.namespace)}`;
  const proxy = settings === undefined ? "" : `; proxy ${settings.url}`;
  if (error instanceof KeyNotFoundError) return `not found${namespace}`;
  if (error instanceof IdentityNotFoundError) return `not registered${namespace} (or its registration expired)`;
  if (error instanceof UnavailableError) {
    // The client's words for a connection that could not be made: name the proxy and the system error only.
    const unreachable = /^connection to the proxy failed: (?:.*\(caused by: (.+)\)$|(.*))/.exec(error.rawMessage);
    if (unreachable !== null && settings !== undefined)
      return `cannot reach the proxy at ${settings.url} (${unreachable[1] ?? unreachable[2]})`;
    return `${error.rawMessage} (UNAVAILABLE${proxy})`;
  }
  if (error instanceof DeadlineExceededError) {
    const after = settings === undefined ? "" : ` after ${settings.timeoutMs} ms; raise --timeout`;
    return `${error.rawMessage} (DEADLINE_EXCEEDED${after}${proxy})`;
  }
  if (error instanceof UnauthenticatedError) return `${error.rawMessage} (UNAUTHENTICATED): ${tokenHint(settings)}`;
  if (error instanceof PermissionDeniedError) return `${error.rawMessage} (PERMISSION_DENIED)`;
  return `${error.rawMessage} (${error.codeName})`;
}

/** What to do about a refused or missing token, by where the token came from. */
function tokenHint(settings: ConnectionSettings | undefined): string {
  switch (settings?.token.kind) {
    case "env":
      return "the token in PRISM_TOKEN was refused";
    case "file":
      return `the login stored in ${settings.token.path} was refused: run \`prismctl login\` again`;
    default:
      return "no token was sent: set PRISM_TOKEN or run `prismctl login`";
  }
}

/** Removes the PRISM_TOKEN value from `text`, should any message ever carry it. */
function redact(text: string): string {
  const token = process.env.PRISM_TOKEN;
  return token !== undefined && token.length >= 8 ? text.split(token).join("[token]") : text;
}
