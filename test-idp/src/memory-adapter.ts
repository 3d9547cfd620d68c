// memoryAdapter: an oidc-provider storage adapter over plain Maps. Unlike oidc-provider's built-in development
// adapter it prints no warning, and the store can outlive a Provider instance, so a replacement Provider (same
// issuer) still knows every grant, device code, session and refresh token issued before.
import type { Adapter, AdapterConstructor, AdapterPayload } from "oidc-provider";

/** A stored value and its expiry (epoch seconds), if any. */
interface Expiring<T> {
  value: T;
  expiresAt: number | undefined;
}

/** The backing store of `memoryAdapter`: payloads by "Model:id", plus the grant, user code and uid indexes. */
export interface MemoryAdapterStore {
  /** Model payloads by `${model}:${id}`. */
  readonly payloads: Map<string, Expiring<AdapterPayload>>;
  /** Payload keys by grant id, for revokeByGrantId. */
  readonly grants: Map<string, Set<string>>;
  /** Model ids by device flow user code. */
  readonly userCodes: Map<string, Expiring<string>>;
  /** Model ids by interaction/session uid. */
  readonly uids: Map<string, Expiring<string>>;
}

/** A new, empty store for `memoryAdapter`. */
export function createMemoryAdapterStore(): MemoryAdapterStore {
  return { payloads: new Map(), grants: new Map(), userCodes: new Map(), uids: new Map() };
}

/** An oidc-provider adapter class that keeps every model in `store` (copies in and out, expiry honoured). */
export function memoryAdapter(store: MemoryAdapterStore): AdapterConstructor {
  const now = () => Math.floor(Date.now() / 1000);
  const read = <T>(map: Map<string, Expiring<T>>, key: string): T | undefined => {
    const entry = map.get(key);
    if (entry?.expiresAt !== undefined && entry.expiresAt <= now()) {
      map.delete(key);
      return undefined;
    }
    return entry?.value;
  };

  return class MemoryAdapter implements Adapter {
    readonly #model: string;

    constructor(model: string) {
      this.#model = model;
    }

    #key(id: string): string {
      return `${this.#model}:${id}`;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const key = this.#key(id);
      const expiresAt = expiresIn ? now() + expiresIn : undefined;
      store.payloads.set(key, { value: structuredClone(payload), expiresAt });
      if (payload.grantId) {
        const keys = store.grants.get(payload.grantId) ?? new Set();
        store.grants.set(payload.grantId, keys.add(key));
      }
      if (payload.userCode) store.userCodes.set(payload.userCode, { value: id, expiresAt });
      if (payload.uid) store.uids.set(payload.uid, { value: id, expiresAt });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const payload = read(store.payloads, this.#key(id));
      return payload && structuredClone(payload);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const id = read(store.userCodes, userCode);
      return id === undefined ? undefined : this.find(id);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const id = read(store.uids, uid);
      return id === undefined ? undefined : this.find(id);
    }

    async consume(id: string): Promise<void> {
      const payload = read(store.payloads, this.#key(id));
      if (payload) payload.consumed = now();
    }

    async destroy(id: string): Promise<void> {
      store.payloads.delete(this.#key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const key of store.grants.get(grantId) ?? []) store.payloads.delete(key);
      store.grants.delete(grantId);
    }
  };
}
