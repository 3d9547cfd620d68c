#!/usr/bin/env node
// Runs a pattern module as a pattern process: `prism-pattern-runner <module file URL> [servePattern flags]`.
// The proxy spawns it for `backend: <package or path>` bindings with `isolation: process`.
import { servePattern } from "@prism/pattern-sdk";
import { findPatternDefinition } from "@prism/pattern-sdk/host";

const [moduleUrl, ...argv] = process.argv.slice(2);
if (!moduleUrl) {
  process.stderr.write("usage: prism-pattern-runner <module file URL> (--socket PATH | --port N) [servePattern flags]\n");
  process.exit(2);
}
let definition: ReturnType<typeof findPatternDefinition>;
try {
  definition = findPatternDefinition((await import(moduleUrl)) as Record<string, unknown>, moduleUrl);
} catch (error) {
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), level: "error", msg: `cannot load pattern: ${(error as Error).message}` })}\n`,
  );
  process.exit(1);
}
await servePattern(definition, { argv });
