// How the prismctl process ends: with its exit code once stdout and stderr are flushed, and quietly (exit 0) when
// the reader of stdout went away (`prismctl kv scan | head -1`), instead of an EPIPE stack trace.

/** Exits with `code` once stdout and stderr have taken everything written to them. */
export function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

/** Makes a closed stdout (EPIPE) end the process with exit 0: whoever read the output has all they wanted. */
export function exitQuietlyOnClosedStdout(): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    process.stderr.write(`prismctl: writing to standard output failed: ${error.message}\n`);
    process.exit(1);
  });
}
