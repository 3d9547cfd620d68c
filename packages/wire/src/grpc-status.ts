// Mapping errors to gRPC status trailers: code, percent-encoded message and extra metadata.
import { Code, ConnectError } from "@connectrpc/connect";
import type { OutgoingHttpHeaders } from "node:http2";

/**
 * The status a failed call ends with.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export interface GrpcStatus {
  /** gRPC status code. */
  code: Code;
  /** Human-readable message (not yet percent-encoded). */
  message: string;
  /** Extra trailer entries, for example `prism-error-reason`. */
  metadata?: Record<string, string>;
}

/**
 * Converts anything thrown by a handler into a gRPC status; non-Connect errors become INTERNAL.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function statusFromError(error: unknown): GrpcStatus {
  if (error instanceof ConnectError) {
    const metadata: Record<string, string> = {};
    let any = false;
    error.metadata.forEach((value, key) => {
      metadata[key] = value;
      any = true;
    });
    return any ? { code: error.code, message: error.rawMessage, metadata } : { code: error.code, message: error.rawMessage };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: Code.Internal, message: `internal error: ${message}` };
}

/**
 * Percent-encodes a grpc-message value as the gRPC HTTP/2 spec requires.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function encodeGrpcMessage(message: string): string {
  return /^[\x20-\x24\x26-\x7e]*$/.test(message) ? message : encodeURIComponent(message);
}

/**
 * Trailer (or trailers-only header) entries for a status.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function statusTrailers(status: GrpcStatus): OutgoingHttpHeaders {
  const trailers: OutgoingHttpHeaders = {
    "grpc-status": String(status.code),
    "grpc-message": encodeGrpcMessage(status.message),
  };
  if (status.metadata) Object.assign(trailers, status.metadata);
  return trailers;
}
