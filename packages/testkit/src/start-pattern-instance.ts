// Test kit: builds and starts a pattern instance from its definition and a config object, the
// way a proxy would in-process, so a test can drive its backends directly.
import type { PatternDefinition, PatternInstance } from "@prism/pattern-sdk";
import { createLogger, parseConfig } from "@prism/pattern-sdk/host";

/** A started instance and how to stop it. */
export interface StartedPatternInstance {
  /** The running instance (its `keyvalue` / `pubsub` backends). */
  instance: PatternInstance;
  /** Stops the instance. */
  stop(): Promise<void>;
}

/** Validates `config` against the definition (defaults filled in), creates the instance and starts it; logs are discarded. */
export async function startPatternInstance(
  definition: PatternDefinition,
  config: Record<string, unknown>,
  namespace = "test",
): Promise<StartedPatternInstance> {
  const instance = await definition.create(parseConfig(definition.config, config) as never, {
    namespace,
    logger: createLogger({ write: () => {} }),
  });
  await instance.start?.();
  return { instance, stop: async () => void (await instance.stop?.()) };
}
