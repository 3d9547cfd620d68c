// Reads the gRPC status of a finished call from its response headers or trailers.
import { Code, ConnectError } from "@connectrpc/connect";
import type { IncomingHttpHeaders } from "node:http2";

/**
 * The call's error, or undefined when it ended OK; a call without any status is UNAVAILABLE.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function statusFromResponse(headers: IncomingHttpHeaders, trailers: IncomingHttpHeaders | undefined): ConnectError | undefined {
  const status = trailers?.["grpc-status"] ?? headers["grpc-status"];
  if (status === undefined) return new ConnectError("the pattern closed the call without a status", Code.Unavailable);
  const code = Number(status);
  if (code === 0) return undefined;
  const raw = (trailers?.["grpc-message"] ?? headers["grpc-message"] ?? "") as string;
  return new ConnectError(safeDecode(raw), code as Code);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
