import { defineProject } from "vitest/config";
import { sharedTestConfig } from "../vitest.shared.js";

export default defineProject({
  ...sharedTestConfig,
  test: { ...sharedTestConfig.test, testTimeout: 180_000, hookTimeout: 600_000 },
});
