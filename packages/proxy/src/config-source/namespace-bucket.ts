// The NATS JetStream KV bucket holding the namespaces of proxies that serve as one: one key per
// namespace, its value the namespace's mapping as JSON. Reads all of it with its revision, follows
// changes from a revision on, and writes (put, delete) for the admin API.
import { type KV, type KvEntry, Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";

/** One change of the bucket. */
export interface BucketChange {
  /** The namespace. */
  readonly name: string;
  /** Its new mapping, or undefined when it was deleted. */
  readonly mapping: unknown;
  /** The bucket revision of the change. */
  readonly revision: number;
}

/** The namespaces bucket on a NATS connection. */
export class NamespaceBucket {
  private constructor(
    private readonly connection: NatsConnection,
    private readonly kv: KV,
    /** The bucket's name. */
    readonly name: string,
  ) {}

  /** Connects (retrying until it succeeds or `signal` aborts) and opens the bucket, creating it when missing. */
  static async open(servers: readonly string[], name: string, signal: AbortSignal): Promise<NamespaceBucket> {
    const connecting = connect({ servers: [...servers], name: "prism-proxy", waitOnFirstConnect: true, maxReconnectAttempts: -1 });
    const aborted = new Promise<never>((_, reject) => {
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
    connecting.then(
      (connection) => signal.aborted && void connection.close(),
      () => {},
    );
    const connection = await Promise.race([connecting, aborted]);
    const kv = await new Kvm(connection).create(name, { history: 1 });
    return new NamespaceBucket(connection, kv, name);
  }

  /** Whether the connection to NATS is up now. */
  get connected(): boolean {
    return !this.connection.isClosed() && this.connection.info !== undefined && !this.reconnecting;
  }

  private reconnecting = false;

  /** Calls `onChange(up)` when the connection to NATS is lost or back. */
  watchConnection(onChange: (up: boolean) => void): void {
    void (async () => {
      for await (const status of this.connection.status()) {
        if (status.type === "disconnect") {
          this.reconnecting = true;
          onChange(false);
        } else if (status.type === "reconnect") {
          this.reconnecting = false;
          onChange(true);
        }
      }
    })();
  }

  /** Every namespace mapping now, and the revision they are at. */
  async readAll(): Promise<{ revision: number; namespaces: Map<string, unknown> }> {
    const status = await this.kv.status();
    const revision = status.streamInfo.state.last_seq;
    const namespaces = new Map<string, unknown>();
    for await (const key of await this.kv.keys()) {
      const entry = await this.kv.get(key);
      if (entry !== null && entry.operation === "PUT") namespaces.set(key, parseMapping(entry));
    }
    return { revision, namespaces };
  }

  /** Writes each mapping whose namespace is not in the bucket yet (seeding from prism.yaml); returns how many. */
  async seed(mappings: ReadonlyMap<string, unknown>): Promise<number> {
    let written = 0;
    for (const [name, mapping] of mappings) {
      try {
        await this.kv.create(name, JSON.stringify(mapping));
        written++;
      } catch {
        // Another proxy wrote it first: the bucket's version wins.
      }
    }
    return written;
  }

  /** Calls `apply` with every change after `revision`, in order, until close(). */
  async follow(revision: number, apply: (change: BucketChange) => Promise<void>): Promise<void> {
    const watcher = await this.kv.watch({ resumeFromRevision: revision + 1 });
    for await (const entry of watcher) {
      await apply({ name: entry.key, mapping: entry.operation === "PUT" ? parseMapping(entry) : undefined, revision: entry.revision });
    }
  }

  /** Stores a namespace's mapping; resolves with the revision. */
  put(name: string, mapping: unknown): Promise<number> {
    return this.kv.put(name, JSON.stringify(mapping));
  }

  /** Creates a namespace's entry; rejects when it exists; resolves with the revision. */
  create(name: string, mapping: unknown): Promise<number> {
    return this.kv.create(name, JSON.stringify(mapping));
  }

  /** Deletes a namespace's entry; resolves with the revision of the delete marker. */
  async delete(name: string): Promise<number> {
    await this.kv.delete(name);
    const entry = await this.kv.get(name);
    return entry?.revision ?? 0;
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    await this.connection.close();
  }
}

/** An entry's mapping (JSON); a value that is not JSON is kept as its text, and refused by validation later. */
function parseMapping(entry: KvEntry): unknown {
  try {
    return JSON.parse(entry.string());
  } catch {
    return entry.string();
  }
}
