// Resident memory and CPU time of a child process, read from Linux's /proc (pattern processes);
// elsewhere, or when the process is gone, there is nothing to report.
import { readFile } from "node:fs/promises";

/** Memory and CPU of one process. */
export interface ProcessUsage {
  /** Resident set size in bytes. */
  residentBytes: number;
  /** User plus system CPU time in seconds. */
  cpuSeconds: number;
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on every Linux Node supports). */
const ticksPerSecond = 100;

/** The usage of process `pid`, or undefined when /proc does not tell (not Linux, process gone). */
export async function readProcessUsage(pid: number): Promise<ProcessUsage | undefined> {
  if (process.platform !== "linux" || !(pid > 0)) return undefined;
  try {
    const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, "utf8"), readFile(`/proc/${pid}/status`, "utf8")]);
    // Fields after the command name (which may hold spaces) start at state: utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cpuTicks = Number(fields[11]) + Number(fields[12]);
    // VmRSS is in kB whatever the page size.
    const residentKiB = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
    if (!Number.isFinite(cpuTicks) || !Number.isFinite(residentKiB)) return undefined;
    return { residentBytes: residentKiB * 1024, cpuSeconds: cpuTicks / ticksPerSecond };
  } catch {
    return undefined;
  }
}
