// Finding the pattern definition a module exports, so a host can load a pattern by package name or
// path: an export named `pattern`, or else the one export made with definePattern.
import type { PatternDefinition } from "./pattern-definition.js";

/** Tells whether `value` has the shape definePattern gives (name, version, config schema, create). */
export function isPatternDefinition(value: unknown): value is PatternDefinition {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.name === "string" &&
    typeof candidate.version === "string" &&
    typeof candidate.config === "object" &&
    candidate.config !== null &&
    typeof candidate.create === "function"
  );
}

/** The pattern definition among a module's exports: `pattern` if exported, else the only definition; throws naming `module` otherwise. */
export function findPatternDefinition(exports: Record<string, unknown>, module: string): PatternDefinition {
  if ("pattern" in exports) {
    if (isPatternDefinition(exports.pattern)) return exports.pattern;
    throw new Error(`the export "pattern" of ${module} is not a pattern definition (make it with definePattern from @prism/pattern-sdk)`);
  }
  const found = Object.entries(exports).filter((entry): entry is [string, PatternDefinition] => isPatternDefinition(entry[1]));
  if (found.length === 1) return (found[0] as [string, PatternDefinition])[1];
  if (found.length === 0) {
    const names = Object.keys(exports).join(", ") || "nothing";
    throw new Error(
      `${module} exports no pattern definition (it exports: ${names}); export one made with definePattern from @prism/pattern-sdk`,
    );
  }
  throw new Error(
    `${module} exports ${found.length} pattern definitions (${found.map(([name]) => name).join(", ")}); export the one to use as "pattern"`,
  );
}
