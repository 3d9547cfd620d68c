// A pattern process's output: its stderr JSON lines (and any stdout line) forwarded into the
// proxy's log, tagged with the pattern and pid, and the last lines kept for error messages.
import type { Logger } from "@prism/pattern-sdk";
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

/** How many of the last output lines are kept. */
const tailLines = 20;

/** Forwards a child's output and remembers its tail. */
export class PatternOutput {
  private readonly lines: string[] = [];

  constructor(
    private readonly pattern: string,
    private readonly logger: Logger,
  ) {}

  /** The last lines the pattern wrote, oldest first. */
  get tail(): readonly string[] {
    return this.lines;
  }

  /** Starts forwarding `child`'s stderr (JSON lines, re-logged at their level) and stdout (info). */
  attach(child: ChildProcess): void {
    const log = this.logger.child({ source: "pattern", pattern: this.pattern, pid: child.pid });
    if (child.stderr) {
      createInterface({ input: child.stderr }).on("line", (line) => {
        this.remember(line);
        const { msg, level, time: _time, ...fields } = parseRecord(line) ?? {};
        const text = typeof msg === "string" ? msg : line;
        if (level === "error") log.error(text, fields);
        else if (level === "warn") log.warn(text, fields);
        else if (level === "debug") log.debug(text, fields);
        else log.info(text, fields);
      });
    }
    if (child.stdout) {
      createInterface({ input: child.stdout }).on("line", (line) => {
        this.remember(line);
        this.logger.info(line, { source: "pattern-stdout", pattern: this.pattern, pid: child.pid });
      });
    }
  }

  private remember(line: string): void {
    this.lines.push(line);
    if (this.lines.length > tailLines) this.lines.shift();
  }
}

/** A JSON object log line, or undefined for anything else. */
function parseRecord(line: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
