// Tests of parseDocumentText: JSON and YAML configs, and the error that names the source.
import { describe, expect, it } from "vitest";
import { parseDocumentText } from "./read-config-document.js";

describe("parseDocumentText", () => {
  it("reads multi-line JSON, one-line YAML flow and YAML", () => {
    expect(parseDocumentText('{\n  "keyvalue": {"backend": "memstore"}\n}', "x", false)).toEqual({ keyvalue: { backend: "memstore" } });
    expect(parseDocumentText("{keyvalue: {backend: memstore}}", "x", false)).toEqual({ keyvalue: { backend: "memstore" } });
    expect(parseDocumentText("keyvalue:\n  backend: memstore", "x", false)).toEqual({ keyvalue: { backend: "memstore" } });
  });

  it("reports the JSON error for text that is neither, and only JSON for a .json file", () => {
    expect(() => parseDocumentText("{oops", "the inline config", false)).toThrow(/^the inline config: not valid JSON/);
    expect(() => parseDocumentText("keyvalue: {}", "ns.json", true)).toThrow(/^ns.json: not valid JSON/);
  });
});
