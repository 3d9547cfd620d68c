// Test harness: a private NATS cluster of N nats-servers on free ports (client, route and monitoring
// ports), fully meshed by explicit routes, each with a unique server name and, with JetStream, its
// own store directory under one temporary directory. Ready once every node has a route to every other
// and (with JetStream) knows the JetStream meta leader. A test can kill a node like a crash and
// restart it on the same ports and store; every node is always killed at the end.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { findFreePort } from "./find-free-port.js";
import { firstReplyStartsWith } from "./first-reply-starts-with.js";
import { requireBinary } from "./require-binary.js";
import { startTestServer, type TestServerControl } from "./start-test-server.js";

/** Options of startNatsCluster. */
export interface NatsClusterOptions {
  /** How many nodes; at least 2. Default 3 (the least a JetStream cluster survives losing one of). */
  nodes?: number;
  /** Runs JetStream on every node (clustered: streams can have replicas). Default true. */
  jetstream?: boolean;
  /** How long to wait for the cluster to form, in milliseconds. Default 30000. */
  formTimeoutMs?: number;
}

/** A NATS cluster owned by one test file. */
export interface NatsCluster {
  /** Client ports of the nodes on 127.0.0.1, by node index. */
  readonly ports: readonly number[];
  /** `nats://127.0.0.1:PORT` of every node, by node index. */
  readonly urls: readonly string[];
  /** All the URLs comma-separated, as the nats pattern's `url` takes them. */
  readonly url: string;
  /** Monitoring (HTTP) ports of the nodes, by node index. */
  readonly monitorPorts: readonly number[];
  /** Kills node `index` (SIGKILL, like a crash); its JetStream store survives. */
  kill(index: number): Promise<void>;
  /** Starts node `index` again on the same ports and store (killing it first if it runs) and waits until it has rejoined. */
  restart(index: number): Promise<void>;
  /** Resolves once every running node routes to every other running one and (with JetStream) knows a meta leader. */
  waitUntilFormed(timeoutMs?: number): Promise<void>;
  /** Stops every node and removes their store directories. */
  stop(): Promise<void>;
}

/** What one node's monitoring endpoints say about the cluster. */
interface NodeView {
  routes: number;
  metaLeader: string | undefined;
}

/** Starts the cluster and waits until it has formed (see NatsCluster.waitUntilFormed). */
export async function startNatsCluster(options: NatsClusterOptions = {}): Promise<NatsCluster> {
  const size = options.nodes ?? 3;
  const jetstream = options.jetstream ?? true;
  const formTimeoutMs = options.formTimeoutMs ?? 30_000;
  if (!Number.isInteger(size) || size < 2) throw new Error(`a nats cluster needs at least 2 nodes, got ${size}`);
  const binary = requireBinary("nats-server", "nats-server");
  const dir = mkdtempSync(join(tmpdir(), "prism-nats-cluster-"));
  const routePorts: number[] = [];
  const monitorPorts: number[] = [];
  for (let index = 0; index < size; index++) {
    routePorts.push(await findFreePort());
    monitorPorts.push(await findFreePort());
  }
  const nodes: TestServerControl[] = [];
  const running: boolean[] = [];
  const clusterName = `prism-test-${process.pid}`;
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    rmSync(dir, { recursive: true, force: true });
  };

  const waitUntilFormed = async (timeoutMs = formTimeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    let last = "no answer yet";
    for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
      const up = monitorPorts.filter((_, index) => running[index]);
      const views = await Promise.all(up.map((port) => nodeView(port, jetstream)));
      const formed = views.every(
        (view) => view !== undefined && view.routes >= up.length - 1 && (!jetstream || view.metaLeader !== undefined),
      );
      if (formed) return;
      last = views
        .map(
          (view, i) =>
            `node on monitor port ${up[i]}: ${view ? `${view.routes} route(s), meta leader ${view.metaLeader ?? "none"}` : "no answer"}`,
        )
        .join("; ");
      if (Date.now() > deadline) throw new Error(`the nats cluster did not form within ${timeoutMs} ms: ${last}`);
      await sleep(delay);
    }
  };

  try {
    for (let index = 0; index < size; index++) {
      const routes = routePorts.filter((_, other) => other !== index).map((port) => `nats://127.0.0.1:${port}`);
      const args = [
        ...["-a", "127.0.0.1", "--server_name", `n${index}`, "-m", String(monitorPorts[index])],
        ...["--cluster", `nats://127.0.0.1:${routePorts[index]}`, "--cluster_name", clusterName, "--routes", routes.join(",")],
        ...(jetstream ? ["-js", "-sd", join(dir, `n${index}`)] : []),
      ];
      const node = await startTestServer((port) => ({
        name: `nats-server (cluster node n${index})`,
        binary,
        args: ["-p", String(port), ...args],
        port,
        ready: () => firstReplyStartsWith(port, "INFO "),
        readiness: "send INFO",
      }));
      nodes.push(node);
      running.push(true);
    }
    await waitUntilFormed();
  } catch (error) {
    await stop();
    throw error;
  }

  const ports = nodes.map((node) => node.port);
  const urls = ports.map((port) => `nats://127.0.0.1:${port}`);
  const at = (index: number) => {
    const node = nodes[index];
    if (!node) throw new Error(`no node ${index} in a cluster of ${size}`);
    return node;
  };
  return {
    ports,
    urls,
    url: urls.join(","),
    monitorPorts,
    kill: async (index) => {
      await at(index).kill();
      running[index] = false;
    },
    restart: async (index) => {
      await at(index).restart();
      running[index] = true;
      await waitUntilFormed();
    },
    waitUntilFormed,
    stop,
  };
}

/** Routes and JetStream meta leader as node `monitorPort` reports them; undefined when it does not answer. */
async function nodeView(monitorPort: number, jetstream: boolean): Promise<NodeView | undefined> {
  try {
    const routez = (await getJson(monitorPort, "/routez")) as { num_routes?: number };
    let metaLeader: string | undefined;
    if (jetstream) {
      const jsz = (await getJson(monitorPort, "/jsz")) as { meta_cluster?: { leader?: string } };
      metaLeader = jsz.meta_cluster?.leader || undefined;
    }
    return { routes: routez.num_routes ?? 0, metaLeader };
  } catch {
    return undefined;
  }
}

async function getJson(port: number, path: string): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1000) });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}
