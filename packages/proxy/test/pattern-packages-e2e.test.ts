// End to end: patterns named by package or by module path, loaded in-process or run as a process
// through the proxy's pattern runner, and `command:` paths resolved relative to prism.yaml (the
// proxy runs from another folder).
import { createPrismClient } from "@prism/client";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ProxyProcess, startProxyProcess } from "../src/testing/index.js";

/** A pattern module with no imports at all: a definition object over a Map (no TTL, one scan page). */
const mapPatternModule = (name: string) => `
const store = () => {
  const data = new Map();
  return {
    set: (key, value) => void data.set(key, value),
    get: (key) => data.get(key),
    delete: (key) => data.delete(key),
    exists: (key) => data.has(key),
    scan: ({ prefix }) => ({ items: [...data].filter(([k]) => k.startsWith(prefix)).map(([key, value]) => ({ key, value })), nextCursor: "" }),
  };
};
export const ${name}Pattern = { name: "${name}", version: "3.1.4", config: {}, create: () => ({ keyvalue: store() }) };
`;

const sdkUrl = pathToFileURL(new URL("../../pattern-sdk/dist/index.js", import.meta.url).pathname).href;

let proxy: ProxyProcess;
beforeAll(async () => {
  proxy = await startProxyProcess({
    files: {
      "node_modules/@acme/prism-pattern-notes/package.json": JSON.stringify({
        name: "@acme/prism-pattern-notes",
        version: "3.1.4",
        type: "module",
        exports: { ".": { import: "./dist/index.js" } },
      }),
      "node_modules/@acme/prism-pattern-notes/dist/index.js": mapPatternModule("notes"),
      "patterns/local.mjs": mapPatternModule("local"),
      "patterns/serve.mjs": `import { servePattern } from ${JSON.stringify(sdkUrl)};\n${mapPatternModule("served")}\nawait servePattern(servedPattern);\n`,
    },
    config: {
      namespaces: {
        pkg: { keyvalue: { backend: "@acme/prism-pattern-notes" } },
        pkgproc: { keyvalue: { backend: "@acme/prism-pattern-notes", isolation: "process" } },
        local: { keyvalue: { backend: "./patterns/local.mjs" } },
        cmd: { keyvalue: { command: ["node", "patterns/serve.mjs"] } },
      },
    },
  });
});
afterAll(() => proxy?.stop());

describe("patterns named by package or path", () => {
  it.each(["pkg", "pkgproc", "local", "cmd"])("namespace %s serves KeyValue", async (namespace) => {
    const client = createPrismClient({ url: proxy.url, namespace });
    await client.kv.set("k", namespace);
    expect(await client.kv.getString("k")).toBe(namespace);
  });

  it("logs each binding with the pattern's name and isolation", () => {
    const bound = proxy.logs.filter((r) => r.msg.startsWith("namespace ")).map((r) => r.msg);
    expect(bound).toEqual(
      expect.arrayContaining([
        'namespace "pkg" keyvalue → notes (inprocess)',
        'namespace "local" keyvalue → local (inprocess)',
        expect.stringMatching(/^namespace "pkgproc" keyvalue → notes \(process/),
        expect.stringMatching(/^namespace "cmd" keyvalue → served \(process/),
      ]),
    );
  });

  it("runs a package pattern as a process through the pattern runner, reporting the package's version", () => {
    const started = proxy.logs.find((r) => r.namespace === "pkgproc" && r.msg.includes("is serving"));
    expect(started?.patternVersion).toBe("3.1.4");
    const command = proxy.logs.find((r) => r.namespace === "pkgproc" && r.msg.startsWith("starting pattern"));
    expect(command?.msg).toMatch(/prism-pattern-runner\.js file:\/\/.*node_modules\/@acme\/prism-pattern-notes\/dist\/index\.js/);
  });
});
