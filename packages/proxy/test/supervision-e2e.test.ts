// End to end: supervision of pattern processes by the real proxy executable — restart after
// kill -9, clean shutdown with no orphan, children exit when the proxy itself is killed, and
// start failures that name the pattern, its command and its last log lines.
import { UnavailableError, createPrismClient } from "@prism/client";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { processExists, proxyBinPath, startProxyProcess, type ProxyProcess } from "../src/testing/index.js";

const processNamespaces = {
  cache: { keyvalue: { backend: "memstore", isolation: "process", restartInitialDelayMs: 100 } },
  other: { keyvalue: { backend: "memstore", isolation: "process" } },
};

async function patternPid(proxy: ProxyProcess, namespace: string, after = 0): Promise<number> {
  const record = await proxy.waitForLog(
    (r) => r.namespace === namespace && typeof r.pid === "number" && r.msg.includes("is serving") && (r.pid as number) !== after,
  );
  return record.pid as number;
}

describe("pattern process supervision", () => {
  it("answers UNAVAILABLE after kill -9 of a pattern, then serves again after the automatic restart", async () => {
    const proxy = await startProxyProcess({ config: { namespaces: processNamespaces } });
    try {
      const client = createPrismClient({ url: proxy.url, namespace: "cache" });
      await client.kv.set("k", "v");
      const pid = await patternPid(proxy, "cache");
      process.kill(pid, "SIGKILL");
      await vi.waitFor(() => expect(processExists(pid)).toBe(false), { timeout: 10_000, interval: 25 });
      const error = await client.kv.get("k").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as Error).message).toMatch(/memstore .*namespace "cache"/);
      await vi.waitFor(
        async () => {
          await client.kv.set("k2", "after restart");
        },
        { timeout: 10_000, interval: 25 },
      );
      expect(await client.kv.getString("k2")).toBe("after restart");
      const newPid = await patternPid(proxy, "cache", pid);
      expect(newPid).not.toBe(pid);
      await proxy.waitForLog((r) => r.level === "error" && r.msg.includes("was killed by SIGKILL; restarting in"));
    } finally {
      await proxy.stop();
    }
  });

  it("ends a subscription with UNAVAILABLE (retryable) when its pattern process dies mid-stream", async () => {
    const proxy = await startProxyProcess({
      config: { namespaces: { live: { pubsub: { backend: "memstore", isolation: "process" } } } },
    });
    try {
      const client = createPrismClient({ url: proxy.url, namespace: "live" });
      const subscription = client.pubsub.subscribe("ticks");
      await subscription.ready;
      const ended = (async () => {
        for await (const _message of subscription) {
          // keep reading until the stream ends
        }
      })().then(
        () => "ended without an error",
        (e: unknown) => e,
      );
      await client.pubsub.publish("ticks", "one");
      process.kill(await patternPid(proxy, "live"), "SIGKILL");
      const outcome = await ended;
      expect(outcome).toBeInstanceOf(UnavailableError);
    } finally {
      await proxy.stop();
    }
  });

  it("ends open subscriptions with UNAVAILABLE (retryable) when the proxy shuts down, in-process and as a process", async () => {
    const proxy = await startProxyProcess({
      config: {
        namespaces: {
          inproc: { pubsub: { backend: "memstore" } },
          proc: { pubsub: { backend: "memstore", isolation: "process" } },
        },
      },
    });
    const subscriptions = ["inproc", "proc"].map((namespace) =>
      createPrismClient({ url: proxy.url, namespace, timeoutMs: 0 }).pubsub.subscribe("ticks"),
    );
    await Promise.all(subscriptions.map((subscription) => subscription.ready));
    const outcomes = subscriptions.map(async (subscription) => {
      try {
        for await (const _ of subscription) {
          // nothing is published
        }
        return "ended without an error";
      } catch (error) {
        return error;
      }
    });
    expect(await proxy.stop("SIGTERM")).toBe(0);
    for (const outcome of await Promise.all(outcomes)) {
      expect(outcome).toBeInstanceOf(UnavailableError);
    }
  });

  it("leaves no pattern process behind after SIGTERM, SIGINT or SIGKILL of the proxy", async () => {
    for (const signal of ["SIGTERM", "SIGINT", "SIGKILL"] as const) {
      const proxy = await startProxyProcess({ config: { namespaces: processNamespaces } });
      const pids = [await patternPid(proxy, "cache"), await patternPid(proxy, "other")];
      expect(pids.every(processExists)).toBe(true);
      const code = await proxy.stop(signal);
      if (signal !== "SIGKILL") expect(code).toBe(0);
      // On SIGKILL the proxy cannot clean up: its children notice standard input closing and exit.
      await vi.waitFor(() => expect(pids.filter(processExists)).toEqual([]), { timeout: 10_000, interval: 25 });
    }
  });

  it("fails to start with a message naming the pattern, its command and its last log lines", async () => {
    const script = join(tmpdir(), `prism-broken-pattern-${process.pid}.mjs`);
    writeFileSync(script, 'console.error("cannot open /var/lib/broken: permission denied"); process.exit(3);\n');
    const config = join(tmpdir(), `prism-broken-${process.pid}.yaml`);
    writeFileSync(config, `listen: 127.0.0.1:0\nnamespaces:\n  broken:\n    keyvalue: { command: ["${process.execPath}", "${script}"] }\n`);
    const result = spawnSync(process.execPath, [proxyBinPath, "--config", config], { encoding: "utf8", timeout: 20_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("failed to start: the process exited with code 3");
    expect(result.stderr).toContain(`command: ${process.execPath} ${script}`);
    expect(result.stderr).toContain("cannot open /var/lib/broken: permission denied");
  });
});

describe("configuration errors", () => {
  const run = (yaml: string, extra: string[] = []) => {
    const file = join(tmpdir(), `prism-bad-${process.pid}-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, yaml);
    const result = spawnSync(process.execPath, [proxyBinPath, "--config", file, ...extra], { encoding: "utf8", timeout: 20_000 });
    return { file, status: result.status, stderr: result.stderr };
  };

  it("names the file, the field and the expected value", () => {
    const bad = run("namespaces:\n  cache:\n    keyvalue: { backend: memcached }\n");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(
      `${bad.file}: namespaces.cache.keyvalue.backend: expected a built-in pattern (memstore, redis, nats), ` +
        'an installed pattern package or a module path, got "memcached" (no package "memcached" in node_modules',
    );

    const isolation = run("namespaces:\n  cache:\n    keyvalue: { backend: memstore, isolation: remote }\n");
    expect(isolation.stderr).toContain('namespaces.cache.keyvalue.isolation: expected one of "inprocess", "process", "auto", got "remote"');

    const unknown = run("namespaces:\n  cache:\n    keyvalue: { backend: memstore, capacity: 5 }\n");
    expect(unknown.stderr).toContain("namespaces.cache.keyvalue.capacity: unknown field");
  });

  it("names a bad pattern config field once and exits 2, in-process and as a process", () => {
    for (const isolation of ["inprocess", "process"]) {
      const bad = run(`namespaces:\n  cache:\n    keyvalue: { backend: memstore, isolation: ${isolation}, config: { capacity: lots } }\n`);
      expect(bad.status, isolation).toBe(2);
      const message = `prism-proxy: invalid configuration: ${bad.file}: namespaces.cache.keyvalue.config.capacity: expected an integer >= 0, got "lots"`;
      expect(bad.stderr, isolation).toContain(message);
      expect(bad.stderr.split("expected an integer >= 0").length - 1, `${isolation}:\n${bad.stderr}`).toBe(1);
    }
  });

  it("points a YAML syntax error at its line, and warns about an empty namespaces mapping", async () => {
    const syntax = run("listen: 127.0.0.1:0\nnamespaces:\n  cache:\n    keyvalue: { backend: memstore\n");
    expect(syntax.status).toBe(2);
    expect(syntax.stderr).toMatch(new RegExp(`^prism-proxy: invalid configuration: ${syntax.file}:5:1: not valid YAML: \\S`));
    expect(syntax.stderr).not.toContain("top level");

    const empty = await startProxyProcess({ config: { namespaces: {} } });
    try {
      const warning = await empty.waitForLog((record) => record.level === "warn" && record.msg.includes("namespaces is empty"));
      expect(warning.msg).toBe(`${empty.configFile}: namespaces is empty: the proxy serves no namespace, so every call fails NOT_FOUND`);
    } finally {
      await empty.stop();
    }
  });

  it("rejects a bad --listen and an address in use", async () => {
    const badListen = run("namespaces:\n  default:\n    keyvalue: { backend: memstore }\n", ["--listen", "localhost"]);
    expect(badListen.status).toBe(2);
    expect(badListen.stderr).toContain("--listen: expected a string of the form HOST:PORT");

    const proxy = await startProxyProcess({});
    try {
      const inUse = run("namespaces:\n  default:\n    keyvalue: { backend: memstore }\n", ["--listen", proxy.url.replace("http://", "")]);
      expect(inUse.status).toBe(1);
      expect(inUse.stderr).toContain(
        `prism-proxy: failed to start: cannot listen on ${proxy.url.replace("http://", "")}: the address is already in use`,
      );
      expect(inUse.stderr).not.toContain("invalid configuration");
    } finally {
      await proxy.stop();
    }
  });
});
