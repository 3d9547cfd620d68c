// parseYaml: a YAML document (a namespace config file) parsed with the `yaml` library (YAML 1.2,
// duplicate keys refused), its errors turned into usage errors that name the source and the line.
import { parse } from "yaml";
import { UsageError } from "../usage-error.js";

/** Parses `text` (named `source` in errors) as one YAML document; an empty document is null. */
export function parseYaml(text: string, source: string): unknown {
  try {
    return parse(text, { uniqueKeys: true, prettyErrors: true }) ?? null;
  } catch (error) {
    const message = (error as Error).message.split("\n")[0] ?? "";
    throw new UsageError(`${source}: not valid YAML (${message})`);
  }
}
