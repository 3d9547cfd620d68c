// Builds the package in the current folder from scratch: removes dist (so nothing stale ships),
// compiles with tsconfig.build.json, and for @prism/proto copies the .proto sources into proto/.
import { execFileSync } from "node:child_process";
import { cpSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const manifest = JSON.parse(readFileSync("package.json", "utf8"));
rmSync("dist", { recursive: true, force: true });
execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", "tsconfig.build.json"], { stdio: "inherit" });
if (manifest.name === "@prism/proto") {
  rmSync("proto", { recursive: true, force: true });
  cpSync(join(root, "proto"), "proto", { recursive: true, filter: (source) => !source.endsWith(".md") });
}
