// parseFilter: a registry filter from the command line: RFC-017's JSON form (text starting with "{") or the string
// form (`type = "sensor" and floor >= 2`); the client compiles and checks either.
import type { FilterObject } from "@prism/client";
import { UsageError } from "../usage-error.js";

/** The filter for `text`: undefined (every identity) when blank, a FilterObject for JSON, else the string form. */
export function parseFilter(text: string | undefined): FilterObject | string | undefined {
  const trimmed = text?.trim() ?? "";
  if (trimmed === "") return undefined;
  if (!trimmed.startsWith("{")) return trimmed;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (error) {
    throw new UsageError(`filter: not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new UsageError("filter: expected a JSON object");
  return parsed as FilterObject;
}
