// `prismctl login` / `prismctl logout`: an OIDC device-code login (@prism/client/login) that stores the token set in
// the login cache (PRISM_TOKEN_FILE, default ~/.prism/token.json) used by every later command, and its removal.
import { rm } from "node:fs/promises";
import type { DevicePrompt } from "@prism/client/login";
import { type Command, Option } from "commander";
import { CommandFailure } from "../command-failure.js";
import { tokenFilePath } from "../connection/connection-settings.js";
import type { GlobalOptions } from "../connection/global-options.js";
import { createOutput } from "../output/output.js";

/** Options of `login`. */
type LoginOptions = { issuer: string; clientId: string; scope?: string; audience?: string };

const examples = `
Examples:
  prismctl login --issuer https://id.example.com --audience prism --scope "openid offline_access prism.read"
  PRISM_ISSUER=https://id.example.com prismctl login

Prints a URL and a code on stderr, waits until you approved the login in a browser (Ctrl-C cancels), then stores
the tokens in the login cache (mode 0600); later commands send them and refresh them as needed. PRISM_TOKEN, when
set, is used instead of the cache. No token is ever printed.`;

/** Adds `login` and `logout` to `program`. */
export function addLoginCommands(program: Command): void {
  program
    .command("login")
    .description("log in with the OIDC device flow and cache the token for later commands")
    .addOption(new Option("--issuer <url>", "the OpenID issuer (https; http only for localhost)").env("PRISM_ISSUER").makeOptionMandatory())
    .addOption(
      new Option("--client-id <id>", "the public OAuth client allowed the device flow").env("PRISM_CLIENT_ID").default("prism-cli"),
    )
    .addOption(new Option("--scope <scope>", 'space-separated scope (default "openid offline_access")').env("PRISM_SCOPE"))
    .addOption(new Option("--audience <audience>", "the audience of the proxy (RFC 8707 resource)").env("PRISM_AUDIENCE"))
    .addHelpText("after", examples)
    .action(async (options: LoginOptions, command: Command) => {
      const output = createOutput(command.optsWithGlobals<GlobalOptions>().json);
      const path = tokenFilePath();
      const cancel = new AbortController();
      const stop = () => cancel.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      try {
        const { deviceLogin } = await import("@prism/client/login");
        const result = await deviceLogin({
          issuer: options.issuer,
          clientId: options.clientId,
          store: path,
          signal: cancel.signal,
          onPrompt: (prompt) => output.notice(promptText(prompt)),
          ...(options.scope === undefined ? {} : { scope: options.scope }),
          ...(options.audience === undefined ? {} : { audience: options.audience }),
        });
        const expiresAt = result.expiresAt?.toISOString();
        if (output.mode === "json") {
          output.json({ loggedIn: true, ...result });
        } else {
          const expiry = expiresAt === undefined ? "" : `; the access token expires at ${expiresAt}`;
          const refresh = result.refreshable ? ", refreshed as needed" : "; no refresh token: log in again once it expires";
          output.line(`logged in to ${result.issuer} as client ${result.clientId}; token stored in ${result.path}${expiry}${refresh}`);
        }
      } catch (error) {
        throw new CommandFailure("login", error, undefined);
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      }
    });

  program
    .command("logout")
    .description("remove the cached login (the token file)")
    .action(async (_options: unknown, command: Command) => {
      const output = createOutput(command.optsWithGlobals<GlobalOptions>().json);
      const path = tokenFilePath();
      let removed = true;
      try {
        await rm(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw new CommandFailure("logout", error, undefined);
        removed = false;
      }
      if (output.mode === "json") output.json({ removed, path });
      else output.line(removed ? `logged out: removed ${path}` : `not logged in: there is no ${path}`);
    });
}

/** What the user must do, for stderr: the URL, the code, and the URL with the code filled in when there is one. */
function promptText(prompt: DevicePrompt): string {
  const complete = prompt.verificationUriComplete === undefined ? "" : `\nor open ${prompt.verificationUriComplete}`;
  return `To log in, open ${prompt.verificationUri} and enter the code ${prompt.userCode}${complete}\nWaiting for the approval (the code expires in ${prompt.expiresInSeconds} s; Ctrl-C cancels)…`;
}
