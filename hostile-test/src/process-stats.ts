// What an attack costs the proxy, read from /proc: resident memory (VmRSS) and open file
// descriptors of a process, sampled while an attack runs so the peak is known, not just the end.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** Resident set size of `pid` in bytes (VmRSS of /proc/PID/status). */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Open file descriptors of `pid` (entries of /proc/PID/fd). */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/**
 * Client connections `pid` holds on its listening `port`: its socket fds that /proc/net/tcp lists
 * as connections (not the listener) with that local port. Pattern sockets and pipes do not count.
 */
export function clientConnections(pid: number, port: number): number {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // closed meanwhile
    }
  }
  let count = 0;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const columns = line.trim().split(/\s+/);
      if (columns.length < 10) continue;
      const localPort = Number.parseInt(columns[1]?.split(":")[1] ?? "", 16);
      const listening = columns[3] === "0A";
      if (localPort === port && !listening && inodes.has(columns[9] as string)) count++;
    }
  }
  return count;
}

/** Bytes as MiB with one decimal, for messages. */
export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** One reading of a process's resources. */
export interface ResourceSample {
  /** Resident memory in bytes. */
  rss: number;
  /** Open file descriptors. */
  fds: number;
}

/** Reads both resources of `pid` now. */
export function sampleResources(pid: number): ResourceSample {
  return { rss: rssBytes(pid), fds: openFds(pid) };
}

/** Samples a process every `intervalMs` until stopped, keeping the peaks. */
export class ResourceSampler {
  /** Highest RSS seen, in bytes. */
  peakRss = 0;
  /** Most open fds seen. */
  peakFds = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 50,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Takes one more sample and stops sampling; returns the peaks. */
  stop(): { peakRss: number; peakFds: number } {
    clearInterval(this.timer);
    this.sample();
    return { peakRss: this.peakRss, peakFds: this.peakFds };
  }

  private sample(): void {
    try {
      const { rss, fds } = sampleResources(this.pid);
      this.peakRss = Math.max(this.peakRss, rss);
      this.peakFds = Math.max(this.peakFds, fds);
    } catch {
      // the process is gone; the test's exit-code check says so
    }
  }
}

/** Polls `read` every `intervalMs` until `accept` holds or `timeoutMs` passes; returns the last value read either way. */
export async function settle<T>(read: () => T, accept: (value: T) => boolean, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = read();
  while (!accept(value) && Date.now() < deadline) {
    await sleep(intervalMs);
    value = read();
  }
  return value;
}
