import { defineProject } from "vitest/config";
import { sharedTestConfig } from "../vitest.shared.js";

// One scenario at a time (each starts servers and proxies of its own); a scenario takes up to ~15 s.
export default defineProject({
  ...sharedTestConfig,
  test: { ...sharedTestConfig.test, testTimeout: 90_000, fileParallelism: false },
});
