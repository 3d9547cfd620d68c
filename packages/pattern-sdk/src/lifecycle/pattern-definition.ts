// What a pattern author writes: a definition (name, config schema, factory) whose factory returns
// the backends it implements. `servePattern` runs it as a process; the proxy can load it in-process.
import type { KeyValueBackend } from "../keyvalue/keyvalue-backend.js";
import type { PubSubBackend } from "../pubsub/pubsub-backend.js";
import type { RegistryBackend } from "../registry/registry-backend.js";
import type { ConfigSchema, ConfigOf } from "../config/config-schema.js";
import type { Logger } from "../logging/logger.js";
import type { HealthReport } from "./health-report.js";

/** What a pattern's factory receives besides its config. */
export interface PatternContext {
  /** The namespace this instance serves. */
  namespace: string;
  /** Structured logger, already tagged with the pattern and namespace. */
  logger: Logger;
}

/** A running pattern: the data-plane backends it serves and its lifecycle hooks. */
export interface PatternInstance {
  /** KeyValue backend, when the pattern serves KeyValueService. */
  keyvalue?: KeyValueBackend;
  /** PubSub backend, when the pattern serves PubSubService. */
  pubsub?: PubSubBackend;
  /** Multicast Registry backend (store and messaging slots), when the pattern serves RegistryService. */
  registry?: RegistryBackend;
  /** Opens backend connections; called once before traffic. */
  start?(): Promise<void> | void;
  /** Releases every resource; called once at shutdown. */
  stop?(): Promise<void> | void;
  /** Reports current health; called periodically. */
  health?(): Promise<HealthReport> | HealthReport;
}

/** A pattern: its identity, its config schema with defaults, and a factory. */
export interface PatternDefinition<S extends ConfigSchema = ConfigSchema> {
  /** Short name, for example "memstore". */
  name: string;
  /** The pattern's version, for logs and Initialize. */
  version: string;
  /** Config fields, each with a default and a doc line; unknown fields are rejected. */
  config: S;
  /** Builds an instance from validated config. */
  create(config: ConfigOf<S>, context: PatternContext): Promise<PatternInstance> | PatternInstance;
}

/** Declares a pattern with full type inference of its config. */
export function definePattern<S extends ConfigSchema>(definition: PatternDefinition<S>): PatternDefinition<S> {
  return definition;
}
