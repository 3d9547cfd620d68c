// Shared vitest settings: resolve workspace packages to their TypeScript sources.
import type { UserWorkspaceConfig } from "vitest/config";

/** Test settings every package uses. */
export const sharedTestConfig: UserWorkspaceConfig = {
  resolve: { conditions: ["@prism/source"] },
  ssr: { resolve: { conditions: ["@prism/source"] } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // The JSON report lets `scripts/test-failures.mjs` name the failed tests at the end of `pnpm test`.
    reporters: ["default", "json"],
    outputFile: { json: ".test-results/vitest.json" },
  },
};
