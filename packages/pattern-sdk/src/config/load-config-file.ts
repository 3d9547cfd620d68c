// Reads a YAML (or JSON) config file into plain data, with errors that name the file.
import { readFileSync } from "node:fs";
import { parse, YAMLParseError } from "yaml";
import { ConfigError } from "./config-error.js";

/** Reads and parses a YAML file; a missing file or a syntax error is a ConfigError naming it. */
export function loadConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError({
      file,
      field: "",
      expected: "a readable YAML file",
      problem: `cannot read config file: ${(error as Error).message}`,
    });
  }
  try {
    return parse(text) ?? {};
  } catch (error) {
    const position = error instanceof YAMLParseError ? error.linePos?.[0] : undefined;
    // The parser's message repeats the position ("... at line 3, column 5:") and quotes the source; keep the words.
    const words = (error as Error).message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "") ?? "";
    throw new ConfigError({
      file,
      field: "",
      expected: "valid YAML",
      problem: `not valid YAML: ${words}`,
      ...(position ? { line: position.line, column: position.col } : {}),
    });
  }
}
