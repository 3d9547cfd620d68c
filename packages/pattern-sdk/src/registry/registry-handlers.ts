// RegistryService handlers over any RegistryBackend: identity, metadata, TTL, filter and payload
// validation against the limits, opaque Enumerate cursors, the Listen stream (Listening first,
// then deliveries; presence ends the registration with the stream), and Multicast over the
// matched targets with an answer within its timeout whatever the messaging slot does.
import { Code, ConnectError } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { DeliveryStatus, type Identity, IdentitySchema, type RegistryService } from "@prism/proto/registry/v1";
import type { ServiceHandlers } from "@prism/wire";
import { randomUUID } from "node:crypto";
import { decodeScanCursor, encodeScanCursor } from "../keyvalue/scan-cursor.js";
import type { PubSubLimits } from "../pubsub/pubsub-limits.js";
import { TrafficCounters } from "../lifecycle/traffic-counters.js";
import { compileFilter } from "./compile-filter.js";
import { metadataFromWire, metadataToWire } from "./metadata-field.js";
import type { DeliveryOutcome, RegisteredIdentity, RegistryBackend, RegistryStore } from "./registry-backend.js";
import type { RegistryLimits } from "./registry-limits.js";

/** Longest identity, in characters. */
export const maxIdentityChars = 256;

const cursorTag = "reg1";

const wireStatus = {
  DELIVERED: DeliveryStatus.DELIVERED,
  NOT_LISTENING: DeliveryStatus.NOT_LISTENING,
  TIMEOUT: DeliveryStatus.TIMEOUT,
  FAILED: DeliveryStatus.FAILED,
} as const;

/** The limits the registry handlers enforce (the payload bounds are PubSub's). */
export type RegistryHandlerLimits = RegistryLimits & Pick<PubSubLimits, "maxPayloadBytes" | "maxMetadataEntries">;

/** Builds validated RegistryService handlers for `backend`. */
export function createRegistryHandlers(
  backend: RegistryBackend,
  limits: RegistryHandlerLimits,
  counters: TrafficCounters = new TrafficCounters(),
): ServiceHandlers<typeof RegistryService> {
  const { store, messaging } = backend;
  const ttlOf = (ttl: bigint, fallback: number): number => {
    if (ttl < 0n) throw invalid(`ttl_ms ${ttl} is negative`);
    if (ttl > BigInt(limits.maxRegistrationTtlMs)) {
      throw invalid(`ttl_ms ${ttl} is over the limit of ${limits.maxRegistrationTtlMs} ms (limits.maxRegistrationTtlMs)`);
    }
    return ttl === 0n ? fallback : Number(ttl);
  };
  return {
    async register(request, context) {
      checkIdentity(request.identity);
      const metadata = metadataFromWire(request.metadata, limits);
      const result = await store.register(
        {
          identity: request.identity,
          metadata,
          ttlMs: ttlOf(request.ttlMs, limits.defaultRegistrationTtlMs),
          replace: request.replace,
          maxIdentities: limits.maxIdentities,
        },
        context,
      );
      return { registeredAtMs: BigInt(result.registeredAtMs), expiresAtMs: BigInt(result.expiresAtMs) };
    },
    async heartbeat(request, context) {
      checkIdentity(request.identity);
      const expiresAtMs = await store.heartbeat(request.identity, ttlOf(request.ttlMs, 0), context);
      if (expiresAtMs === undefined) throw notFound(request.identity);
      return { expiresAtMs: BigInt(expiresAtMs) };
    },
    async unregister(request, context) {
      checkIdentity(request.identity);
      return { removed: await store.unregister(request.identity, context) };
    },
    async get(request, context) {
      checkIdentity(request.identity);
      const found = await store.get(request.identity, context);
      if (found === undefined) throw notFound(request.identity);
      return { identity: toWire(found, true) };
    },
    async enumerate(request, context) {
      const filter = compileFilter(request.filter, limits);
      const after = request.cursor === "" ? "" : decodeCursor(request.cursor);
      const limit = request.limit === 0 ? limits.defaultEnumerateLimit : Math.min(request.limit, limits.maxEnumerateLimit);
      const page = await store.enumerate({ filter, after, limit, includeMetadata: request.includeMetadata }, context);
      const last = page.identities.at(-1);
      return {
        identities: page.identities.map((each) => toWire(each, request.includeMetadata)),
        nextCursor: page.more && last !== undefined ? encodeScanCursor(cursorTag, last.identity) : "",
        totalCount: page.totalCount,
      };
    },
    async *listen(request, context) {
      checkIdentity(request.identity);
      const registered = await store.get(request.identity, context);
      if (registered === undefined) {
        throw new ConnectError(`identity ${quote(request.identity)} is not registered (register it before listening)`, Code.NotFound);
      }
      const listener = await messaging.listen(request.identity, context.signal);
      try {
        yield { event: { case: "listening", value: { identity: request.identity } } };
        for await (const delivery of listener) {
          yield { event: { case: "delivery", value: { ...delivery, sentAtMs: BigInt(delivery.sentAtMs) } } };
        }
        if (!context.signal.aborted) {
          throw new ConnectError(
            `listening for ${quote(request.identity)} ended: the pattern is stopping or lost its backend; listen again`,
            Code.Unavailable,
          );
        }
      } finally {
        await listener.close();
        if (request.unregisterOnClose) {
          // Presence: the registration ends with its stream, unless it was replaced meanwhile (a
          // newer registration of the identity is someone else's). Best effort: a backend that is
          // down leaves the identity to expire by its TTL.
          await endPresence(store, registered).catch(() => undefined);
        }
      }
    },
    async multicast(request, context) {
      if (request.payload.byteLength > limits.maxPayloadBytes) {
        throw invalid(
          `payload is ${request.payload.byteLength} bytes; the limit is ${limits.maxPayloadBytes} bytes (limits.maxPayloadBytes)`,
        );
      }
      const entries = Object.keys(request.metadata).length;
      if (entries > limits.maxMetadataEntries) {
        throw invalid(`metadata has ${entries} entries; the limit is ${limits.maxMetadataEntries} (limits.maxMetadataEntries)`);
      }
      if (request.timeoutMs > limits.maxMulticastTimeoutMs) {
        throw invalid(
          `timeout_ms ${request.timeoutMs} is over the limit of ${limits.maxMulticastTimeoutMs} ms (limits.maxMulticastTimeoutMs)`,
        );
      }
      const timeoutMs = request.timeoutMs === 0 ? limits.defaultMulticastTimeoutMs : request.timeoutMs;
      const filter = compileFilter(request.filter, limits);
      const matched = await store.enumerate({ filter, after: "", limit: limits.maxMulticastTargets, includeMetadata: false }, context);
      if (matched.more) {
        throw new ConnectError(
          `the filter matches ${matched.totalCount} identities; one multicast reaches at most ${limits.maxMulticastTargets} (limits.maxMulticastTargets)`,
          Code.ResourceExhausted,
        );
      }
      const targets = matched.identities.map((each) => each.identity);
      const delivery = {
        payload: request.payload,
        contentType: request.contentType,
        metadata: request.metadata,
        messageId: randomUUID(),
        sentAtMs: Date.now(),
      };
      const outcomes = await withinTimeout(messaging.deliver(targets, delivery, timeoutMs), targets.length, timeoutMs);
      let delivered = 0;
      const statuses = targets.map((identity, index) => {
        const outcome = outcomes[index] ?? { status: "TIMEOUT" };
        if (outcome.status === "DELIVERED") delivered++;
        counters.multicast[outcome.status]++;
        return { identity, status: wireStatus[outcome.status], message: outcome.status === "FAILED" ? outcome.message : "" };
      });
      return { targetCount: targets.length, deliveredCount: delivered, statuses };
    },
  };
}

/** The messaging slot's outcomes, or TIMEOUT for all if it does not answer in time (plus a grace for its own timers). */
async function withinTimeout(outcomes: Promise<DeliveryOutcome[]>, count: number, timeoutMs: number): Promise<DeliveryOutcome[]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<DeliveryOutcome[]>((resolve) => {
    timer = setTimeout(() => resolve(Array.from({ length: count }, () => ({ status: "TIMEOUT" }) as const)), timeoutMs + 250);
  });
  try {
    return await Promise.race([
      outcomes.catch((error: unknown) =>
        Array.from({ length: count }, () => ({ status: "FAILED", message: (error as Error).message }) as const),
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Unregisters `registered` when it is still the identity's current registration. */
async function endPresence(store: RegistryStore, registered: RegisteredIdentity): Promise<void> {
  const current = await store.get(registered.identity);
  if (current !== undefined && current.registeredAtMs === registered.registeredAtMs) await store.unregister(registered.identity);
}

/**
 * Wire messages of stored identities, by record: a store replaces a record on every change (never
 * mutates it), so a record's message is built once and reused by every Get and Enumerate page
 * that returns it (an Enumerate of 1,000 identities then costs no conversion and no allocation).
 */
const wireWithMetadata = new WeakMap<RegisteredIdentity, Identity>();
const wireWithoutMetadata = new WeakMap<RegisteredIdentity, Identity>();

/** A stored identity as the wire carries it. */
function toWire(found: RegisteredIdentity, withMetadata: boolean): Identity {
  const cache = withMetadata ? wireWithMetadata : wireWithoutMetadata;
  let message = cache.get(found);
  if (message === undefined) {
    message = create(IdentitySchema, {
      identity: found.identity,
      metadata: withMetadata ? metadataToWire(found.metadata) : {},
      registeredAtMs: BigInt(found.registeredAtMs),
      expiresAtMs: BigInt(found.expiresAtMs),
    });
    cache.set(found, message);
  }
  return message;
}

function checkIdentity(identity: string): void {
  if (identity.length === 0) throw invalid("identity is empty: identities are 1-256 characters");
  if (identity.length > maxIdentityChars) throw invalid(`identity is ${identity.length} characters; the limit is ${maxIdentityChars}`);
}

function decodeCursor(cursor: string): string {
  try {
    return decodeScanCursor(cursorTag, cursor);
  } catch {
    throw invalid(`malformed cursor "${cursor.slice(0, 40)}": pass the next_cursor of the previous page unchanged, or "" to start`);
  }
}

function notFound(identity: string): ConnectError {
  return new ConnectError(`identity ${quote(identity)} is not registered (it expired or was unregistered)`, Code.NotFound);
}

function invalid(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
