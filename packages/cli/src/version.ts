// The version of @prism/cli, read from its package.json (one folder up from src/ and from dist/).
import { readFileSync } from "node:fs";

/** @prism/cli's version, for `prismctl --version`. */
export const cliVersion: string = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
  .version;
