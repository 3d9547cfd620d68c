// toFilter: what the registry client accepts as a filter (a wire Filter message, RFC-017's JSON form or
// the string form) turned into the wire Filter it sends; undefined = every identity.
import { isMessage } from "@bufbuild/protobuf";
import { type Filter, FilterSchema } from "@prism/proto/registry/v1";
import { InvalidArgumentError } from "../errors/error-classes.js";
import { compileJsonFilter, type FilterObject } from "./json-filter.js";
import { type FilterLimits, defaultFilterLimits } from "./filter-limits.js";
import { compileStringFilter } from "./string-filter.js";

/**
 * A registry filter: the JSON form (`{ floor: { $gte: 2 } }`), the string form (`floor >= 2`) or a wire
 * `Filter` message made with `create(FilterSchema, …)` (sent as is; the server validates it).
 */
export type RegistryFilter = FilterObject | string | Filter;

/**
 * Compiles `filter` to the wire Filter, once per call; undefined (no filter: every identity) for undefined,
 * `{}` or a blank string. The JSON and string forms are checked against `limits` (the server's defaults
 * unless told otherwise); a bad one throws InvalidArgumentError naming its path or column.
 */
export function toFilter(filter: RegistryFilter | undefined, limits: FilterLimits = defaultFilterLimits): Filter | undefined {
  if (filter === undefined) return undefined;
  if (typeof filter === "string") return compileStringFilter(filter, limits);
  if (isMessage(filter, FilterSchema)) return filter.node.case === undefined ? undefined : filter;
  if (typeof filter !== "object" || filter === null || Array.isArray(filter)) {
    throw new InvalidArgumentError(
      `filter: expects a filter object, a filter string or a Filter message, got ${filter === null ? "null" : Array.isArray(filter) ? "a list" : typeof filter}`,
    );
  }
  return compileJsonFilter(filter as FilterObject, limits);
}
