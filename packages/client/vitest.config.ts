// The client's tests run twice, once per Node gRPC transport (lean and connect-node): each project
// sets PRISM_CLIENT_TRANSPORT and points `#default-transport` at a shim that honours it.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { sharedTestConfig } from "../../vitest.shared.js";

const shim = fileURLToPath(new URL("./test/default-transport-under-test.ts", import.meta.url));

export default defineConfig({
  test: {
    reporters: sharedTestConfig.test?.reporters,
    outputFile: sharedTestConfig.test?.outputFile,
    projects: (["lean", "connect"] as const).map((transport) => ({
      ...sharedTestConfig,
      resolve: { ...sharedTestConfig.resolve, alias: { "#default-transport": shim } },
      test: { ...sharedTestConfig.test, name: transport, env: { PRISM_CLIENT_TRANSPORT: transport } },
    })),
  },
});
