// parseYaml: documents as a namespace config file holds them, and errors that name the source and line.
import { describe, expect, it } from "vitest";
import { UsageError } from "../usage-error.js";
import { parseYaml } from "./parse-yaml.js";

describe("parseYaml", () => {
  it("reads block and flow mappings, sequences and scalars", () => {
    const text = "keyvalue:\n  backend: memstore   # in memory\n  config: { capacity: 100, eviction: lru }\naccess:\n  read: [any]\n";
    expect(parseYaml(text, "ns.yaml")).toEqual({
      keyvalue: { backend: "memstore", config: { capacity: 100, eviction: "lru" } },
      access: { read: ["any"] },
    });
  });

  it("reads an empty document as null", () => {
    expect(parseYaml("# nothing\n", "ns.yaml")).toBeNull();
  });

  it("refuses malformed YAML and duplicate keys with a usage error naming the source and line", () => {
    for (const text of ["keyvalue:\n  backend: memstore\n backend: redis\n", "a: 1\na: 2\n", "a: [1, 2\n"]) {
      const error = (() => {
        try {
          parseYaml(text, "ns.yaml");
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(/^ns\.yaml: not valid YAML \(.*line \d+/);
    }
  });
});
