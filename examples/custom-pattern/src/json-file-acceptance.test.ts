// The KeyValue acceptance suite against the json-file example pattern's backend, called directly
// through the SDK's handlers, over a data file in a temporary directory.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, parseConfig } from "@prism/pattern-sdk/host";
import { directKeyValueCaller, keyValueAcceptanceSuite } from "@prism/testkit";
import { jsonFilePattern } from "./json-file-pattern.js";

keyValueAcceptanceSuite("json-file (direct)", {
  capabilities: { ttl: true, scan: true, batch: true },
  setup: async () => {
    const dir = mkdtempSync(join(tmpdir(), "prism-json-file-acceptance-"));
    const config = parseConfig(jsonFilePattern.config, { path: join(dir, "data.json") });
    const instance = await jsonFilePattern.create(config, { namespace: "acc", logger: createLogger({ write: () => {} }) });
    if (!instance.keyvalue) throw new Error("json-file pattern serves no keyvalue");
    await instance.start?.();
    return {
      client: directKeyValueCaller(instance.keyvalue),
      teardown: async () => {
        await instance.stop?.();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});
