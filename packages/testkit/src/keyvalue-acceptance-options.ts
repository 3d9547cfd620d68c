// The types of the KeyValue acceptance suite: the client shape it drives (a Connect client for
// KeyValueService, or a direct adapter with the same shape), the subject under test and the options.
import type { Client } from "@connectrpc/connect";
import type { KeyValueService } from "@prism/proto/keyvalue/v1";

/** The unary KeyValueService methods in Connect client shape: request init in, response message out, `ConnectError` on failure. */
export type KeyValueCaller = Pick<
  Client<typeof KeyValueService>,
  "set" | "get" | "delete" | "exists" | "scan" | "batchGet" | "batchSet" | "batchDelete"
>;

/** One backend under test: a caller for it and how to release it afterwards. */
export interface KeyValueSubject {
  /** Drives the backend (directly, through a pattern process, or through the proxy). */
  client: KeyValueCaller;
  /** Releases whatever `setup` started; called once after the last case. */
  teardown?: () => Promise<void>;
}

/** Which optional behaviours the backend claims; a block of cases is registered only when claimed. */
export interface KeyValueCapabilities {
  /** Keys written with ttl_ms > 0 expire. */
  ttl: boolean;
  /** Scan pages through keys by literal prefix. */
  scan: boolean;
  /** BatchGet, BatchSet and BatchDelete. */
  batch: boolean;
}

/** Options of `keyValueAcceptanceSuite`. */
export interface KeyValueAcceptanceOptions {
  /** What the backend claims to support. */
  capabilities: KeyValueCapabilities;
  /** Creates the subject once, before the first case. */
  setup: () => Promise<KeyValueSubject>;
}
