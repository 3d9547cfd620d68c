// Namespaces shared by proxies that serve as one, through a NATS JetStream KV bucket: the bucket
// is read at start (seeded from prism.yaml when a namespace is missing), every change to it is
// applied live by this proxy's NamespaceManager (the admin API's start / switch / drain / stop),
// and admin API writes go to the bucket, so a change made on one proxy reaches all. The last
// namespaces read are kept in a snapshot file; a proxy that starts while NATS is down serves that
// snapshot and catches up once NATS is back. The revision this proxy runs is reported.
import { Code, ConnectError, type Logger } from "@prism/pattern-sdk";
import type { ChangeContext, NamespaceManager } from "../admin/namespace-manager.js";
import type { NatsConfigSource } from "../config/config-source-schema.js";
import type { NamespaceConfig } from "../config/proxy-config.js";
import { type BucketChange, NamespaceBucket } from "./namespace-bucket.js";
import { readNamespaceSnapshot, writeNamespaceSnapshot } from "./namespace-snapshot-file.js";

/** How long an admin write waits for this proxy to apply it. */
const applyTimeoutMs = 60_000;

/** What a proxy starts with from the shared source. */
export interface SharedStart {
  /** The namespaces' mappings to start with, by name. */
  readonly namespaces: ReadonlyMap<string, unknown>;
  /** Where they came from, for logs and errors. */
  readonly origin: string;
}

/** Where this proxy's namespaces stand against the bucket (for health and metrics). */
export interface SharedState {
  /** The bucket revision this proxy runs. */
  readonly revision: number;
  /** Whether the connection to NATS is up. */
  readonly connected: boolean;
  /** "bucket" once read from NATS, "snapshot" while serving the snapshot file. */
  readonly from: "bucket" | "snapshot";
}

/** The shared namespaces of one proxy. */
export class SharedNamespaces {
  private revisionNow = 0;
  private from: "bucket" | "snapshot" = "bucket";
  private bucket: NamespaceBucket | undefined;
  private manager: NamespaceManager | undefined;
  private closed = false;
  private readonly stopConnecting = new AbortController();
  private readonly waiters: { revision: number; wake: () => void }[] = [];
  /** Why a revision could not be applied here, for the admin write that made it. */
  private readonly failures = new Map<number, Error>();

  private constructor(
    private readonly source: NatsConfigSource,
    private readonly logger: Logger,
  ) {}

  /**
   * Reads the namespaces to start with: from the bucket (seeding it from `seed`, prism.yaml's
   * namespaces), or, when NATS does not answer within connectTimeoutMs, from the snapshot file;
   * rejects naming both when there is neither.
   */
  static async start(
    source: NatsConfigSource,
    seed: ReadonlyMap<string, NamespaceConfig>,
    logger: Logger,
  ): Promise<{ shared: SharedNamespaces; start: SharedStart }> {
    const shared = new SharedNamespaces(source, logger);
    const where = `bucket "${source.bucket}" on ${source.servers.join(", ")}`;
    const opening = NamespaceBucket.open(source.servers, source.bucket, shared.stopConnecting.signal);
    const timer = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), source.connectTimeoutMs).unref());
    const bucket = await Promise.race([opening, timer]).catch((error: Error) => {
      logger.warn(`cannot open the namespaces ${where}: ${error.message}`);
      return undefined;
    });
    if (bucket !== undefined) {
      shared.bucket = bucket;
      const seeded = await bucket.seed(new Map([...seed.values()].map((config) => [config.name, config.source])));
      if (seeded > 0) logger.info(`seeded ${seeded} namespace(s) of the config file into the ${where}`);
      const { revision, namespaces } = await bucket.readAll();
      shared.revisionNow = revision;
      shared.saveSnapshot(namespaces);
      logger.info(`namespaces come from the ${where} (revision ${revision}): ${[...namespaces.keys()].join(", ") || "none"}`, {
        configRevision: revision,
      });
      return { shared, start: { namespaces, origin: `nats:${source.bucket}` } };
    }
    const snapshot = source.snapshotFile === undefined ? undefined : readNamespaceSnapshot(source.snapshotFile);
    if (snapshot === undefined) {
      shared.stopConnecting.abort(new Error("gave up"));
      throw new Error(
        `cannot reach NATS at ${source.servers.join(", ")} within ${source.connectTimeoutMs} ms to read the namespaces (${where}), ` +
          `and there is no snapshot to start with${source.snapshotFile ? ` (${source.snapshotFile})` : ""}: start NATS, or check configSource.nats.servers`,
      );
    }
    shared.from = "snapshot";
    shared.revisionNow = snapshot.revision;
    logger.warn(
      `NATS is unreachable: serving the namespaces of the snapshot ${source.snapshotFile} (revision ${snapshot.revision}) ` +
        "until it answers, then catching up with the bucket",
      { configRevision: snapshot.revision },
    );
    // Keep connecting in the background; once the bucket opens, catch up with it.
    opening.then(
      (late) => void shared.catchUp(late),
      () => {},
    );
    return { shared, start: { namespaces: new Map(Object.entries(snapshot.namespaces)), origin: source.snapshotFile as string } };
  }

  /** Starts applying the bucket's changes to `manager` (call once the initial namespaces run). */
  follow(manager: NamespaceManager): void {
    this.manager = manager;
    if (this.bucket !== undefined) this.followBucket(this.bucket);
  }

  /** Where this proxy stands. */
  get state(): SharedState {
    return { revision: this.revisionNow, connected: this.bucket?.connected ?? false, from: this.from };
  }

  /** Admin create: validated here, written to the bucket, answered once applied here. */
  async create(name: string, input: unknown, _context?: ChangeContext): Promise<NamespaceConfig> {
    const manager = this.managerOrThrow();
    manager.validate(name, input);
    if (manager.has(name)) throw new ConnectError(`namespace ${JSON.stringify(name)} already exists`, Code.AlreadyExists);
    const revision = await this.write(() => this.bucketOrThrow().create(name, input)).catch((error: Error) => {
      throw error instanceof ConnectError
        ? error
        : new ConnectError(`namespace ${JSON.stringify(name)} already exists`, Code.AlreadyExists);
    });
    await this.applied(revision);
    return manager.get(name);
  }

  /** Admin update: validated here, written to the bucket, answered once applied here. */
  async update(name: string, input: unknown, _context?: ChangeContext): Promise<NamespaceConfig> {
    const manager = this.managerOrThrow();
    manager.validate(name, input);
    manager.get(name); // NOT_FOUND for an unknown one
    await this.applied(await this.write(() => this.bucketOrThrow().put(name, input)));
    return manager.get(name);
  }

  /** Admin delete: written to the bucket, answered once applied here. */
  async delete(name: string, _context?: ChangeContext): Promise<void> {
    const manager = this.managerOrThrow();
    manager.get(name);
    await this.applied(await this.write(() => this.bucketOrThrow().delete(name)));
  }

  /** Stops following and closes the connection. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopConnecting.abort(new Error("the proxy is stopping"));
    for (const waiter of this.waiters.splice(0)) waiter.wake();
    await this.bucket?.close().catch(() => {});
  }

  private followBucket(bucket: NamespaceBucket): void {
    bucket.watchConnection((up) => {
      if (up) this.logger.info(`NATS is back: following the namespaces bucket "${this.source.bucket}" again`);
      else this.logger.warn(`lost NATS: serving the namespaces as of revision ${this.revisionNow} until it is back`);
    });
    bucket
      .follow(this.revisionNow, (change) => this.apply(change))
      .catch((error: Error) => {
        if (!this.closed) this.logger.error(`stopped following the namespaces bucket: ${error.message}`);
      });
  }

  /** Applies one change of the bucket to this proxy's namespaces. */
  private async apply(change: BucketChange): Promise<void> {
    const manager = this.manager;
    if (manager === undefined || this.closed) return;
    const { name, mapping, revision } = change;
    try {
      if (mapping === undefined) {
        if (manager.has(name)) await manager.delete(name, { by: `nats:${this.source.bucket}@${revision}` });
      } else if (!manager.has(name)) {
        await manager.create(name, mapping, { by: `nats:${this.source.bucket}@${revision}` });
      } else if (JSON.stringify(manager.get(name).source) !== JSON.stringify(mapping)) {
        await manager.update(name, mapping, { by: `nats:${this.source.bucket}@${revision}` });
      }
    } catch (error) {
      this.logger.error(
        `namespace "${name}" at revision ${revision} of bucket "${this.source.bucket}" was not applied here: ${(error as Error).message}`,
        {
          namespace: name,
          configRevision: revision,
        },
      );
      this.failures.set(revision, error as Error);
    }
    this.revisionNow = Math.max(this.revisionNow, revision);
    this.saveSnapshot(new Map(manager.list().map((config) => [config.name, config.source])));
    for (const waiter of this.waiters.filter((each) => each.revision <= this.revisionNow)) waiter.wake();
  }

  /** Once the bucket answers after a start from the snapshot: apply its current state, then follow it. */
  private async catchUp(bucket: NamespaceBucket): Promise<void> {
    if (this.closed) {
      await bucket.close();
      return;
    }
    this.bucket = bucket;
    const { revision, namespaces } = await bucket.readAll();
    const manager = this.manager;
    if (manager !== undefined) {
      for (const config of manager.list()) {
        if (!namespaces.has(config.name)) await this.apply({ name: config.name, mapping: undefined, revision });
      }
      for (const [name, mapping] of namespaces) await this.apply({ name, mapping, revision });
    }
    this.from = "bucket";
    this.revisionNow = revision;
    this.logger.info(`NATS answered: namespaces follow the bucket "${this.source.bucket}" from revision ${revision}`, {
      configRevision: revision,
    });
    this.followBucket(bucket);
  }

  /** Resolves once this proxy applied `revision`; rejects with the reason when it could not. */
  private async applied(revision: number): Promise<void> {
    if (this.revisionNow < revision) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new ConnectError(`the change (revision ${revision}) is stored but not applied here yet`, Code.DeadlineExceeded)),
          applyTimeoutMs,
        );
        this.waiters.push({
          revision,
          wake: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    }
    const failure = this.failures.get(revision);
    if (failure !== undefined) {
      this.failures.delete(revision);
      throw ConnectError.from(failure);
    }
  }

  private async write(operation: () => Promise<number>): Promise<number> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof ConnectError) throw error;
      const message = (error as Error).message;
      if (/wrong last sequence|exists/i.test(message)) throw error;
      throw new ConnectError(`cannot write to the namespaces bucket "${this.source.bucket}": ${message}`, Code.Unavailable);
    }
  }

  private bucketOrThrow(): NamespaceBucket {
    if (this.bucket === undefined || !this.bucket.connected) {
      throw new ConnectError(
        `NATS is unreachable: namespaces cannot change now (this proxy serves revision ${this.revisionNow}); retry once it is back`,
        Code.Unavailable,
      );
    }
    return this.bucket;
  }

  private managerOrThrow(): NamespaceManager {
    if (this.manager === undefined) throw new ConnectError("the proxy is still starting", Code.Unavailable);
    return this.manager;
  }

  private saveSnapshot(namespaces: ReadonlyMap<string, unknown>): void {
    if (this.source.snapshotFile === undefined) return;
    try {
      writeNamespaceSnapshot(this.source.snapshotFile, { revision: this.revisionNow, namespaces: Object.fromEntries(namespaces) });
    } catch (error) {
      this.logger.warn(`cannot write the namespace snapshot ${this.source.snapshotFile}: ${(error as Error).message}`);
    }
  }
}
