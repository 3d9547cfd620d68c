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
  return new ConnectError(safeDecode(raw), code as Code, metadataOf(trailers ?? headers));
}

/** The application metadata of a status: every entry but HTTP/2 pseudo-headers, grpc-* and content-type. */
function metadataOf(entries: IncomingHttpHeaders): Headers {
  const metadata = new Headers();
  for (const [name, value] of Object.entries(entries)) {
    if (value === undefined || name.startsWith(":") || name.startsWith("grpc-") || name === "content-type") continue;
    for (const item of Array.isArray(value) ? value : [value]) metadata.append(name, item);
  }
  return metadata;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
