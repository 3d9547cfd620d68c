// PrismError: the base class of every error @prism/client throws, carrying the gRPC status code.
import type { Code } from "@connectrpc/connect";
import { type CodeName, codeName } from "./code-name.js";

/** Extra details of a PrismError: the server's own message, the original error, response metadata. */
export type PrismErrorOptions = {
  /** The server's message without decoration; defaults to the description. */
  rawMessage?: string;
  /** The error this one was converted from (usually a ConnectError). */
  cause?: unknown;
  /** Response headers and trailers that came with the error. */
  metadata?: Headers;
};

/** A failed Prism call: `code` is the numeric gRPC status, `codeName` its canonical name. */
export class PrismError extends Error {
  override name = "PrismError";
  /** Numeric gRPC status code (Connect's `Code`). */
  readonly code: Code;
  /** Canonical gRPC name of `code`, e.g. "NOT_FOUND". */
  readonly codeName: CodeName;
  /** The server's message without the "(CODE)" suffix. */
  readonly rawMessage: string;
  /** Response headers and trailers that came with the error (empty when raised locally). */
  readonly metadata: Headers;

  /** Creates an error; the message reads `<description> (<CODE_NAME>)`. */
  constructor(code: Code, description: string, options: PrismErrorOptions = {}) {
    super(`${description} (${codeName(code)})`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.codeName = codeName(code);
    this.rawMessage = options.rawMessage ?? description;
    this.metadata = options.metadata ?? new Headers();
  }
}
