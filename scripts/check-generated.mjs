// Fails when `buf generate` would change the committed code in packages/proto/src/gen.
import { execFileSync } from "node:child_process";

process.chdir(new URL("..", import.meta.url).pathname);
const run = (cmd, args) => execFileSync(cmd, args, { stdio: ["ignore", "pipe", "inherit"] }).toString();
run("node_modules/.bin/buf", ["generate"]);
const diff = run("git", ["status", "--porcelain", "--", "packages/proto/src/gen"]);
if (diff.trim() !== "") {
  console.error(`generated code is stale: \`buf generate\` changed these files (commit them):\n${diff}`);
  process.exit(1);
}
console.log("generated code matches proto/ (buf generate made no change)");
