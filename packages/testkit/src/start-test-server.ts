// Test harness building block: a server launched on a free port (retrying on another port when the
// launch fails, e.g. because the port was taken meanwhile) that a test can kill like a crash,
// restart on the same port, and stop.
import { findFreePort } from "./find-free-port.js";
import { launchTestServer, terminate, type TestServerLaunch } from "./spawn-test-server.js";

/** A running test server's port and the controls over its process. */
export interface TestServerControl {
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** Kills it (SIGKILL, like a crash). */
  kill(): Promise<void>;
  /** Kills it if it runs, then launches it again on the same port. */
  restart(): Promise<void>;
  /** Stops it (SIGTERM, SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/** Launches `launchOn(port)` on a free port, trying up to five ports; throws the last launch error. */
export async function startTestServer(launchOn: (port: number) => TestServerLaunch): Promise<TestServerControl> {
  for (let attempt = 0; ; attempt++) {
    const port = await findFreePort();
    try {
      let child = await launchTestServer(launchOn(port));
      return {
        port,
        kill: () => terminate(child, "SIGKILL"),
        restart: async () => {
          await terminate(child, "SIGKILL");
          child = await launchTestServer(launchOn(port));
        },
        stop: () => terminate(child, "SIGTERM"),
      };
    } catch (error) {
      if (attempt >= 4) throw error;
    }
  }
}
