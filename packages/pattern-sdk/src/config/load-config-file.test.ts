// Unit tests of loadConfigFile: YAML and JSON parse, empty file, missing file, bad YAML.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { loadConfigFile } from "./load-config-file.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "prism-load-config-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function loadError(file: string): ConfigError {
  try {
    loadConfigFile(file);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfigFile", () => {
  it("parses YAML into plain data", () => {
    const file = write("p.yaml", "listen: 127.0.0.1:1\nnamespaces:\n  a:\n    keyvalue: { backend: memstore }\n");
    expect(loadConfigFile(file)).toEqual({
      listen: "127.0.0.1:1",
      namespaces: { a: { keyvalue: { backend: "memstore" } } },
    });
  });

  it("parses JSON too", () => {
    expect(loadConfigFile(write("p.json", '{"a": [1, 2]}'))).toEqual({ a: [1, 2] });
  });

  it("treats an empty file as an empty mapping", () => {
    expect(loadConfigFile(write("empty.yaml", ""))).toEqual({});
  });

  it("reports a missing file as a ConfigError naming it", () => {
    const file = join(dir, "nope.yaml");
    const error = loadError(file);
    expect(error.file).toBe(file);
    expect(error.message).toContain(file);
    expect(error.message).toContain("cannot read config file");
  });

  it("reports invalid YAML as a ConfigError naming the file, line and column, and nothing else", () => {
    const file = write("bad.yaml", "listen: 127.0.0.1:1\nnamespaces:\n  a:\n    keyvalue: { backend: memstore\n");
    const error = loadError(file);
    expect(error.file).toBe(file);
    expect(error.message).toMatch(new RegExp(`^${file}:5:1: not valid YAML: \\S`));
    expect(error.message).not.toContain("top level");
    expect(error.message).not.toContain("\n");
    expect(error.expected).toBe("valid YAML");
  });
});
