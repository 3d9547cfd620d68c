// CommandFailure: a failed step of a command, naming what was being done (`kv get "x"`) and the connection, so the
// error line on stderr says what failed where.
import type { ConnectionSettings } from "./connection/connection-settings.js";

/** A failure of `what` (e.g. `kv get "x"`), caused by `cause` (usually a PrismError). */
export class CommandFailure extends Error {
  override name = "CommandFailure";
  /** What was being done, as shown after "prismctl: ". */
  readonly what: string;
  /** The connection the command used (undefined before it was resolved). */
  readonly settings: ConnectionSettings | undefined;

  /** Wraps `cause`. */
  constructor(what: string, cause: unknown, settings: ConnectionSettings | undefined) {
    super(`${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.what = what;
    this.settings = settings;
  }
}
