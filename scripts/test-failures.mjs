// Prints the tests that failed in the last `pnpm test`, read from each project's vitest JSON report,
// so the end of a long CI log names them; `--clear` removes the reports before a run.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
/** Folders that hold a workspace project (as in pnpm-workspace.yaml). */
const projectDirs = [
  ...["packages", "examples"].flatMap((parent) => readdirSync(join(root, parent)).map((name) => join(root, parent, name))),
  ...["release-test", "hostile-test", "bench-smoke", "test-idp"].map((name) => join(root, name)),
];
const reports = projectDirs.map((dir) => join(dir, ".test-results", "vitest.json")).filter((file) => existsSync(file));

if (process.argv.includes("--clear")) {
  for (const file of reports) rmSync(file);
  process.exit(0);
}

/** The first lines of a failure message: enough to see what was expected and where. */
const firstLines = (message, count) => message.split("\n").slice(0, count).join("\n      ");
let failed = 0;
const lines = [];
for (const file of reports) {
  const report = JSON.parse(readFileSync(file, "utf8"));
  for (const suite of report.testResults ?? []) {
    const where = relative(root, suite.name);
    const failures = (suite.assertionResults ?? []).filter((test) => test.status === "failed");
    if (suite.status === "failed" && failures.length === 0) {
      failed += 1;
      lines.push(`  ✗ ${where}: ${firstLines(suite.message || "the file failed to run", 8)}`);
    }
    for (const test of failures) {
      failed += 1;
      lines.push(`  ✗ ${where} > ${test.fullName}`, `      ${firstLines(test.failureMessages?.[0] ?? "", 8)}`);
    }
  }
}
console.error(
  failed === 0
    ? "test failures: none recorded in the vitest reports: a step other than vitest failed (see the failed task's output above)"
    : `test failures (${failed}):\n${lines.join("\n")}`,
);
