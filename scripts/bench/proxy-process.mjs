// Runs the real prism-proxy executable for a scenario (via @prism/proxy/testing) and stops it so
// that nothing outlives the bench: the proxy and every process it spawned (pattern processes).
import { execFileSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { importBuilt } from "./built-packages.mjs";

/** Pids of every descendant of `pid` (from one `ps` snapshot). */
export function descendantsOf(pid) {
  let table;
  try {
    table = execFileSync("ps", ["-A", "-o", "pid=,ppid="], { encoding: "utf8" });
  } catch {
    return [];
  }
  const children = new Map();
  for (const line of table.trim().split("\n")) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(child);
  }
  const found = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/**
 * Starts the proxy with `config` (a prism.yaml object) and any other startProxyProcess `options`
 * (e.g. { noConfig: true }); resolves to { url, stop() }.
 */
export async function startBenchProxy(config, options = {}) {
  const { startProxyProcess, processExists } = await importBuilt("proxy/dist/testing/index.js");
  const proxy = await startProxyProcess({ ...options, config });
  let stopped;
  return {
    url: proxy.url,
    logs: proxy.logs,
    /** The proxy's pid. */
    pid: proxy.child.pid,
    /** SIGTERM (SIGKILL after a grace) the proxy, then SIGKILL any of its children still alive. */
    stop() {
      stopped ??= (async () => {
        const children = descendantsOf(proxy.child.pid);
        await proxy.stop("SIGTERM");
        // Pattern processes watch their parent; give them a moment, then make sure.
        for (let i = 0; i < 20 && children.some(processExists); i++) await sleep(100);
        const leftovers = children.filter(processExists);
        for (const pid of leftovers) process.kill(pid, "SIGKILL");
        if (leftovers.length > 0) console.error(`bench: killed leftover proxy children ${leftovers.join(", ")}`);
      })();
      return stopped;
    },
  };
}
