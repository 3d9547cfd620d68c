// startRegistryServer: the in-memory pattern (memstore, whose Multicast Registry is the proxy's default)
// served over gRPC on a free TCP port, for the registry client's end-to-end tests.
import { memstorePattern } from "@prism/pattern-memstore";
import { servePattern } from "@prism/pattern-sdk";
import { createLogger } from "@prism/pattern-sdk/host";

/** A running registry server. */
export type RegistryServer = {
  /** Base URL for a gRPC transport, e.g. "http://127.0.0.1:41234". */
  url: string;
  /** Stops the pattern and closes the server. */
  close(): Promise<void>;
};

/** Serves a fresh memstore pattern (KeyValue, PubSub and the Registry) on 127.0.0.1 at a free port. */
export async function startRegistryServer(): Promise<RegistryServer> {
  const serving = await servePattern(memstorePattern, {
    argv: ["--port", "0", "--namespace", "default"],
    manageProcess: false,
    logger: createLogger({ level: "error" }),
  });
  return { url: `http://${serving.address}`, close: () => serving.close() };
}
