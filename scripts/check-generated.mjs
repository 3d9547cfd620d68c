// Fails when `buf generate` would change the committed code in packages/proto/src/gen.
import { execFileSync } from "node:child_process";

process.chdir(new URL("..", import.meta.url).pathname);
const run = (cmd, args) => execFileSync(cmd, args, { stdio: ["ignore", "pipe", "inherit"] }).toString();
run("node_modules/.bin/buf", ["generate"]);
// Changed or new files against the index (staged work counts as the code under test).
const diff =
  run("git", ["diff", "--name-only", "--", "packages/proto/src/gen"]) +
  run("git", ["ls-files", "--others", "--exclude-standard", "--", "packages/proto/src/gen"]);
if (diff.trim() !== "") {
  console.error(`generated code is stale: \`buf generate\` changed these files (commit them):\n${diff}`);
  process.exit(1);
}
console.log("generated code matches proto/ (buf generate made no change)");
