// Where the built-in backends live: the module exporting each pattern definition (for in-process
// isolation) and the executable serving it (for process isolation).
import type { PatternDefinition } from "@prism/pattern-sdk";
import { fileURLToPath } from "node:url";

interface BuiltinPattern {
  /** Loads the pattern definition. */
  load(): Promise<PatternDefinition>;
  /** Module specifier of the pattern's executable. */
  bin: string;
}

const builtins: Record<string, BuiltinPattern> = {
  memstore: {
    load: async () => (await import("@prism/pattern-memstore")).memstorePattern as unknown as PatternDefinition,
    bin: "@prism/pattern-memstore/bin",
  },
  redis: {
    load: async () => (await import("@prism/pattern-redis")).redisPattern as unknown as PatternDefinition,
    bin: "@prism/pattern-redis/bin",
  },
  nats: {
    load: async () => (await import("@prism/pattern-nats")).natsPattern as unknown as PatternDefinition,
    bin: "@prism/pattern-nats/bin",
  },
};

/** Loads the definition of a built-in backend for in-process use. */
export async function loadBuiltinPattern(backend: string): Promise<PatternDefinition> {
  const builtin = builtins[backend];
  if (!builtin) throw new Error(`unknown backend "${backend}"`);
  return builtin.load();
}

/** The argv that runs a built-in backend as its own process. */
export function builtinPatternCommand(backend: string): string[] {
  const builtin = builtins[backend];
  if (!builtin) throw new Error(`unknown backend "${backend}"`);
  return [process.execPath, fileURLToPath(import.meta.resolve(builtin.bin))];
}
