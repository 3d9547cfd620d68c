// readConfigDocument: a namespace config from the command line: inline JSON, or a YAML or JSON file (--file, "-" for
// standard input), parsed into the plain mapping the admin API takes.
import { readFile } from "node:fs/promises";
import { UsageError } from "../usage-error.js";
import { parseYaml } from "./parse-yaml.js";
import { readStdin } from "./read-stdin.js";

/** Where the config comes from: one of the two. */
export type ConfigSource = {
  /** The config written on the command line (JSON, or one-line YAML flow such as {keyvalue: {backend: memstore}}). */
  inline?: string | undefined;
  /** A YAML or JSON file; "-" = standard input. */
  file?: string | undefined;
};

/** Reads and parses the config; UsageError naming the source when it is missing, unreadable or not a mapping. */
export async function readConfigDocument(source: ConfigSource): Promise<Record<string, unknown>> {
  if (source.inline !== undefined && source.file !== undefined) {
    throw new UsageError("give the namespace config inline or with --file, not both");
  }
  if (source.inline === undefined && source.file === undefined) {
    throw new UsageError("the namespace config is missing: give it inline as JSON, or with --file <path> (YAML or JSON; - = stdin)");
  }
  const name = source.file === undefined ? "the inline config" : source.file === "-" ? "standard input" : source.file;
  const text = source.inline ?? (await readConfigFile(source.file as string));
  const document = parseDocumentText(text, name, source.file?.toLowerCase().endsWith(".json") === true);
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new UsageError(`${name}: a namespace config is a mapping such as {"keyvalue": {"backend": "memstore"}}`);
  }
  return document as Record<string, unknown>;
}

/** Parses JSON (a .json file, or text starting with "{" that is valid JSON) or else YAML. */
export function parseDocumentText(text: string, name: string, jsonOnly: boolean): unknown {
  const looksLikeJson = text.trimStart().startsWith("{");
  if (jsonOnly || looksLikeJson) {
    try {
      return JSON.parse(text);
    } catch (error) {
      const jsonError = new UsageError(`${name}: not valid JSON (${(error as Error).message})`);
      if (jsonOnly) throw jsonError;
      try {
        return parseYaml(text, name);
      } catch {
        throw jsonError;
      }
    }
  }
  return parseYaml(text, name);
}

/** The text of `path` ("-" = standard input); UsageError when it cannot be read. */
async function readConfigFile(path: string): Promise<string> {
  if (path === "-") return Buffer.from(await readStdin("namespace config")).toString("utf8");
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`--file ${path}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
}
