// Test harness: a private Redis Cluster of N masters (no replicas, no persistence) on free ports, its
// node config files in a temporary directory; created with `redis-cli --cluster create` and ready once
// every node reports cluster_state:ok. Always killed at the end, like startRedisServer's server.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { findFreePort } from "./find-free-port.js";
import { firstReplyStartsWith } from "./first-reply-starts-with.js";
import { requireBinary } from "./require-binary.js";
import { startTestServer, type TestServerControl } from "./start-test-server.js";

const run = promisify(execFile);

/** Options of startRedisCluster. */
export interface RedisClusterOptions {
  /** How many master nodes, each serving a share of the 16384 slots; at least 3 (what redis-cli accepts). Default 3. */
  masters?: number;
  /** `cluster-node-timeout`: how long a node may be unreachable before the others mark it failed, in ms. Default 2000. */
  nodeTimeoutMs?: number;
}

/** A Redis Cluster owned by one test file. */
export interface RedisCluster {
  /** The nodes' ports on 127.0.0.1, in creation order. */
  readonly ports: readonly number[];
  /** `redis://127.0.0.1:PORT` of every node. */
  readonly urls: readonly string[];
  /** Kills node `index` (SIGKILL, like a crash); once the others notice (nodeTimeoutMs), its slots are down: cluster_state:fail. */
  kill(index: number): Promise<void>;
  /** Stops every node and removes the directory of their cluster config files. */
  stop(): Promise<void>;
}

/** Starts `masters` cluster-enabled redis-servers, joins them into one cluster and waits until every node says cluster_state:ok. */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 2000;
  if (!Number.isInteger(masters) || masters < 3) throw new Error(`a redis cluster needs at least 3 masters, got ${masters}`);
  const server = requireBinary("redis-server", "redis-server");
  const cli = requireBinary("redis-cli", "redis-tools");
  const dir = await mkdtemp(join(tmpdir(), "prism-redis-cluster-"));
  const nodes: TestServerControl[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let index = 0; index < masters; index++) {
      // The cluster bus port defaults to port + 10000, which may be taken or past 65535: pick a free one.
      const busPort = await findFreePort();
      const node = await startTestServer((port) => ({
        name: "redis-server (cluster node)",
        binary: server,
        args: [
          ...["--port", String(port), "--bind", "127.0.0.1", "--protected-mode", "no"],
          ...["--cluster-enabled", "yes", "--cluster-port", String(busPort), "--cluster-node-timeout", String(nodeTimeoutMs)],
          ...["--cluster-config-file", join(dir, `nodes-${port}.conf`), "--appendonly", "no", "--save", ""],
        ],
        port,
        ready: () => firstReplyStartsWith(port, "+PONG", "PING\r\n"),
        readiness: "answer PING",
      }));
      nodes.push(node);
    }
    const ports = nodes.map((node) => node.port);
    try {
      await run(cli, ["--cluster", "create", ...ports.map((port) => `127.0.0.1:${port}`), "--cluster-replicas", "0", "--cluster-yes"], {
        timeout: 30_000,
      });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`redis-cli --cluster create failed: ${String(error)}\n${`${stdout ?? ""}${stderr ?? ""}`.slice(-2000)}`);
    }
    await waitForClusterOk(cli, ports);
    const kill = async (index: number) => {
      const node = nodes[index];
      if (node === undefined) throw new Error(`the cluster has no node ${index} (it has ${nodes.length})`);
      await node.kill();
    };
    return { ports, urls: ports.map((port) => `redis://127.0.0.1:${port}`), kill, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Polls CLUSTER INFO on every node (capped backoff, 15 s overall) until each says cluster_state:ok. */
async function waitForClusterOk(cli: string, ports: readonly number[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  let last = "";
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    const states = await Promise.all(ports.map((port) => clusterState(cli, port)));
    if (states.every((state) => state === "ok")) return;
    last = ports.map((port, index) => `${port}: ${states[index]}`).join(", ");
    if (Date.now() > deadline) throw new Error(`the redis cluster did not reach cluster_state:ok within 15 s (${last})`);
    await sleep(delay);
  }
}

/** The cluster_state a node reports ("ok", "fail"), or why it could not be read. */
async function clusterState(cli: string, port: number): Promise<string> {
  try {
    const { stdout } = await run(cli, ["-h", "127.0.0.1", "-p", String(port), "CLUSTER", "INFO"], { timeout: 2000 });
    return /cluster_state:(\w+)/.exec(stdout)?.[1] ?? "unknown";
  } catch (error) {
    return `unreachable (${error instanceof Error ? error.message : String(error)})`;
  }
}
