// Unit tests of prism-proxy's command-line parsing.
import { describe, expect, it } from "vitest";
import { parseProxyArgs, proxyUsage } from "./cli-args.js";

describe("parseProxyArgs", () => {
  it("has defaults for no arguments", () => {
    expect(parseProxyArgs([])).toEqual({ config: undefined, listen: undefined, help: false, version: false });
  });

  it("parses long flags, with a separate or inline value", () => {
    expect(parseProxyArgs(["--config", "prism.yaml", "--listen=127.0.0.1:9"])).toEqual({
      config: "prism.yaml",
      listen: "127.0.0.1:9",
      help: false,
      version: false,
    });
  });

  it("parses short flags", () => {
    expect(parseProxyArgs(["-c", "a.yaml", "-l", "0.0.0.0:1", "-h"])).toEqual({
      config: "a.yaml",
      listen: "0.0.0.0:1",
      help: true,
      version: false,
    });
  });

  it("parses --help and --version", () => {
    expect(parseProxyArgs(["--help"]).help).toBe(true);
    expect(parseProxyArgs(["--version"]).version).toBe(true);
  });

  it("throws on an unknown flag, naming it", () => {
    expect(() => parseProxyArgs(["--cofnig", "x"])).toThrow(/--cofnig/);
    expect(() => parseProxyArgs(["-x"])).toThrow(/-x/);
  });

  it("throws on a missing value and on stray positional arguments", () => {
    expect(() => parseProxyArgs(["--config"])).toThrow();
    expect(() => parseProxyArgs(["prism.yaml"])).toThrow();
  });

  it("documents every flag in the usage text", () => {
    for (const flag of ["--config", "--listen", "--help", "--version"]) expect(proxyUsage).toContain(flag);
  });
});
