// rssMiB(): the resident memory of one process, for the bench's memory rows.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Resident set size of `pid` in MiB (VmRSS on Linux, `ps` elsewhere; 0 once it is gone). */
export function rssMiB(pid) {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    if (match) return Number(match[1]) / 1024;
  } catch {
    // not Linux, or gone
  }
  try {
    return Number(execFileSync("ps", ["-o", "rss=", "-p", String(pid)], { encoding: "utf8" }).trim()) / 1024 || 0;
  } catch {
    return 0;
  }
}
