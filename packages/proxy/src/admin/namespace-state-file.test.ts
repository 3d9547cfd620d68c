// Unit tests of NamespaceStateFile: written atomically with mode 0600 (no temp file left, an
// existing file replaced), read back validated like prism.yaml with errors naming the state file
// and the field, and no file = nothing to read.
import { ConfigError } from "@prism/pattern-sdk";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseProxyConfig } from "../config/proxy-config.js";
import { NamespaceStateFile } from "./namespace-state-file.js";

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "prism-state-"));
  path = join(dir, "prism.state.json");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The ConfigError message of reading the state file, or "read" when it reads. */
function readError(file: NamespaceStateFile): string {
  try {
    file.read(dir);
    return "read";
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
}

describe("NamespaceStateFile", () => {
  it("reads nothing when there is no file", () => {
    expect(new NamespaceStateFile(path, "test").read(dir)).toBeUndefined();
  });

  it("saves with mode 0600, leaves no temp file, and reads back what it saved", async () => {
    const file = new NamespaceStateFile(path, "prism-proxy test");
    const namespaces = { orders: { keyvalue: { backend: "memstore", config: { capacity: 10 } }, access: { read: ["any"] } } };
    await file.save(namespaces);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(["prism.state.json"]);
    const document = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    expect(document).toMatchObject({ version: 1, savedBy: "prism-proxy test", namespaces });
    const read = file.read(dir);
    expect([...(read?.keys() ?? [])]).toEqual(["orders"]);
    expect(read?.get("orders")?.source).toEqual(namespaces.orders);
    expect(read?.get("orders")?.access.read).toEqual(["any"]);
    expect(read?.get("orders")?.apis.keyvalue?.isolation).toBe("inprocess");
  });

  it("replaces an existing file (whatever its mode) with a 0600 one", async () => {
    writeFileSync(path, "old");
    chmodSync(path, 0o644);
    const file = new NamespaceStateFile(path, "test");
    await file.save({ a: { keyvalue: { backend: "memstore" } } });
    await file.save({});
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, "utf8")).namespaces).toEqual({});
    expect(file.read(dir)?.size).toBe(0);
    expect(readdirSync(dir)).toEqual(["prism.state.json"]);
  });

  it("rejects a save into a folder that does not exist, leaving nothing behind", async () => {
    const file = new NamespaceStateFile(join(dir, "missing", "prism.state.json"), "test");
    await expect(file.save({})).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("validates namespaces exactly like prism.yaml, naming the state file and the field", () => {
    const bad = { orders: { keyvalue: { backend: "memstore", isolation: "sideways" } } };
    writeFileSync(path, JSON.stringify({ version: 1, namespaces: bad }));
    const message = readError(new NamespaceStateFile(path, "test"));
    let yamlMessage = "";
    try {
      parseProxyConfig({ namespaces: bad }, "prism.yaml");
    } catch (error) {
      yamlMessage = (error as Error).message;
    }
    expect(yamlMessage).toMatch(/^prism\.yaml: namespaces\.orders\.keyvalue\.isolation: /);
    expect(message).toBe(yamlMessage.replace(/^prism\.yaml: /, `${path}: `));
  });

  it.each([
    ["not JSON", "{", /: not valid JSON: /],
    ["no version", JSON.stringify({ namespaces: {} }), /: version: required field is missing/],
    ["another version", JSON.stringify({ version: 2, namespaces: {} }), /: version: expected an integer >= 1 and <= 1, got 2/],
    ["an unknown field", JSON.stringify({ version: 1, namespaces: {}, extra: 1 }), /: extra: unknown field/],
    [
      "namespaces a list",
      JSON.stringify({ version: 1, namespaces: [] }),
      /: namespaces: expected a mapping of namespace name to its APIs, got a list/,
    ],
    [
      "a bad namespace name",
      JSON.stringify({ version: 1, namespaces: { Bad: { keyvalue: { backend: "memstore" } } } }),
      /: namespaces\.Bad: invalid namespace name/,
    ],
  ])("refuses a file with %s, naming the file", (_what, text, expected) => {
    writeFileSync(path, text);
    const message = readError(new NamespaceStateFile(path, "test"));
    expect(message.startsWith(`${path}`)).toBe(true);
    expect(message).toMatch(expected);
  });
});
