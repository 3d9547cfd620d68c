// Parsers of option values for commander: integers with bounds and repeatable key=value pairs; a bad value is
// commander's InvalidArgumentError, which prismctl reports as a usage error (exit 2).
import { InvalidArgumentError } from "commander";

/** Returns a commander parser of a whole number from `min` to `max` (inclusive). */
export function integerOption(min: number, max: number = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value: string) => {
    const trimmed = value.trim();
    if (!/^[0-9]+$/.test(trimmed)) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    const parsed = Number(trimmed);
    if (parsed < min || parsed > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return parsed;
  };
}

/** A commander collector of repeatable `key=value` options into a record (a later key replaces an earlier one). */
export function keyValueOption(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf("=");
  if (at <= 0) throw new InvalidArgumentError(`expected key=value, got ${JSON.stringify(value)}.`);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}
