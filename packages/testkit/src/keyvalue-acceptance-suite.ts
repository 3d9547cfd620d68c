// keyValueAcceptanceSuite: the one KeyValue acceptance suite every backend runs unchanged, directly
// (directKeyValueCaller) or through a pattern process or the proxy (a Connect client).
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe } from "vitest";
import type { AcceptanceContext } from "./keyvalue-acceptance-helpers.js";
import type { KeyValueAcceptanceOptions, KeyValueSubject } from "./keyvalue-acceptance-options.js";
import { registerBatchCases } from "./keyvalue-batch-cases.js";
import { registerConcurrencyCases } from "./keyvalue-concurrency-cases.js";
import { registerCoreCases } from "./keyvalue-core-cases.js";
import { registerScanCases } from "./keyvalue-scan-cases.js";
import { registerTtlCases } from "./keyvalue-ttl-cases.js";

/**
 * Registers the KeyValue acceptance cases (vitest) for one backend: core, validation and concurrency
 * always; ttl, batch and scan blocks only when `options.capabilities` claims them. Every key lives under
 * a random per-run prefix (`acc-<hex>:`), so runs may share a backend; keys are left for `teardown`.
 * The subject must accept a 2 MiB value: keep `limits.maxValueBytes` at least 2 MiB plus a little
 * (the default, 3 MiB, is fine), and `maxBatchSize` at least 500.
 */
export function keyValueAcceptanceSuite(name: string, options: KeyValueAcceptanceOptions): void {
  describe(`KeyValue acceptance: ${name}`, () => {
    const prefix = `acc-${randomBytes(6).toString("hex")}:`;
    let subject: KeyValueSubject | undefined;
    beforeAll(async () => {
      subject = await options.setup();
    });
    afterAll(async () => {
      await subject?.teardown?.();
    });

    const context: AcceptanceContext = {
      caller: () => {
        if (!subject) throw new Error(`KeyValue acceptance "${name}": setup() did not produce a subject`);
        return subject.client;
      },
      key: (suffix) => `${prefix}${suffix}`,
      capabilities: options.capabilities,
    };
    registerCoreCases(context);
    if (options.capabilities.ttl) registerTtlCases(context);
    if (options.capabilities.batch) registerBatchCases(context);
    registerConcurrencyCases(context);
    // Last, so the 10,000 keys it leaves behind do not slow down backends that rewrite everything on a write.
    if (options.capabilities.scan) registerScanCases(context);
  });
}
