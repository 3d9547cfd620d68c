// Test helper: a lean gRPC server for a method table on a unix socket in a temp folder, and an
// HTTP/2 session to it; close() tears both down.
import { mkdtempSync, rmSync } from "node:fs";
import { type ClientHttp2Session, connect } from "node:http2";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GrpcMethodTable } from "../src/grpc-method-table.js";
import { createGrpcServer } from "../src/grpc-server.js";

/** A served table and a session to it. */
export interface ServedTable {
  /** A client session on the server's socket. */
  readonly session: ClientHttp2Session;
  /** Closes the session and the server, and removes the socket folder. */
  close(): Promise<void>;
}

/** Serves `table` on a fresh unix socket and connects to it. */
export async function serveOnSocket(table: GrpcMethodTable): Promise<ServedTable> {
  const dir = mkdtempSync(join(tmpdir(), "prism-wire-test-"));
  const socket = join(dir, "grpc.sock");
  const server = createGrpcServer((path) => table.get(path));
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.server.listen(socket, () => resolve());
  });
  const session = connect("http://localhost", { createConnection: () => netConnect(socket) });
  session.on("error", () => {});
  return {
    session,
    async close() {
      session.close();
      await server.close(100);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
