import { defineProject } from "vitest/config";
import { sharedTestConfig } from "../vitest.shared.js";

// One attack at a time (files run one after another): each measures the proxy's memory and file descriptors.
export default defineProject({
  ...sharedTestConfig,
  test: { ...sharedTestConfig.test, testTimeout: 60_000, hookTimeout: 60_000, fileParallelism: false },
});
