// TokenSet and its file: what a device login stores (default ~/.prism/token.json), read back with validation and
// written atomically (a private temporary file renamed over the old one) with mode 0600 in a 0700 folder.
import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import { UnauthenticatedError } from "../errors/error-classes.js";

/** A stored login: the tokens and where they came from (enough to refresh them without the user). */
export type TokenSet = {
  /** The OpenID issuer the tokens came from. */
  issuer: string;
  /** The OAuth client id they were issued to. */
  clientId: string;
  /** The access token sent to the proxy. */
  accessToken: string;
  /** The refresh token, when the issuer gave one. */
  refreshToken?: string;
  /** When the access token expires (ISO 8601); absent when the issuer did not say. */
  expiresAt?: string;
  /** The scope granted (space-separated). */
  scope?: string;
  /** The audience (resource indicator) the tokens were requested for. */
  audience?: string;
};

/** Version of the file format, stored as `version` beside the token set. */
const fileVersion = 1;

/** Tells the user what to do when the stored login cannot be used. */
export const loginAgainHint = "run the device login again (deviceLogin from @prism/client/login)";

/** The default token file: ~/.prism/token.json. */
export function defaultTokenPath(): string {
  return join(homedir(), ".prism", "token.json");
}

/** Reads the token set at `path`; undefined when there is no file; UnauthenticatedError when it is not a token file. */
export async function readTokenFile(path: string): Promise<TokenSet | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UnauthenticatedError(`the token file ${path} is not valid JSON; ${loginAgainHint}`);
  }
  const problem = problemOf(parsed);
  if (problem !== undefined) {
    throw new UnauthenticatedError(`the token file ${path} is not a Prism token file (${problem}); ${loginAgainHint}`);
  }
  const file = parsed as TokenSet & { version: number };
  const tokens: TokenSet = { issuer: file.issuer, clientId: file.clientId, accessToken: file.accessToken };
  if (file.refreshToken !== undefined) tokens.refreshToken = file.refreshToken;
  if (file.expiresAt !== undefined) tokens.expiresAt = file.expiresAt;
  if (file.scope !== undefined) tokens.scope = file.scope;
  if (file.audience !== undefined) tokens.audience = file.audience;
  return tokens;
}

/**
 * Writes `tokens` to `path` atomically: a new file (mode 0600) beside it, flushed, then renamed over the old one, so a
 * reader sees the old or the new set, never a part. A missing folder is created with mode 0700.
 */
export async function writeTokenFile(path: string, tokens: TokenSet): Promise<void> {
  const folder = dirname(path);
  const created = await mkdir(folder, { recursive: true, mode: 0o700 });
  if (created !== undefined) await chmod(folder, 0o700); // the umask may have narrowed it further, never wider
  const text = `${JSON.stringify({ version: fileVersion, ...tokens }, null, 2)}\n`;
  const temporary = join(folder, `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temporary, "wx", 0o600);
  try {
    try {
      await handle.chmod(0o600);
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** What is wrong with a parsed token file, or undefined when it is a valid one. */
function problemOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not an object";
  const file = value as Record<string, unknown>;
  if (file.version !== fileVersion) return `version ${JSON.stringify(file.version)}, expected ${fileVersion}`;
  for (const field of ["issuer", "clientId", "accessToken"]) {
    if (typeof file[field] !== "string" || file[field] === "") return `${field} missing`;
  }
  for (const field of ["refreshToken", "scope", "audience", "expiresAt"]) {
    if (file[field] !== undefined && typeof file[field] !== "string") return `${field} is not a string`;
  }
  if (typeof file.expiresAt === "string" && Number.isNaN(Date.parse(file.expiresAt))) return "expiresAt is not a date";
  return undefined;
}
