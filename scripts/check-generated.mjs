// Fails when `buf generate` would change the committed code in packages/proto/src/gen.
import { execFileSync } from "node:child_process";

const run = (cmd, args) => execFileSync(cmd, args, { stdio: ["ignore", "pipe", "inherit"] }).toString();
run("pnpm", ["exec", "buf", "generate"]);
const diff = run("git", ["status", "--porcelain", "--", "packages/proto/src/gen"]);
if (diff.trim() !== "") {
  console.error("generated code is stale: `buf generate` changed these files (commit them):\n" + diff);
  process.exit(1);
}
console.log("generated code matches proto/ (buf generate made no change)");
