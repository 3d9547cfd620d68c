// runPrismctl: runs one command line and returns its exit code, reporting any failure on stderr as
// "prismctl: <what failed>: <why>" (commander's usage errors are reported by commander and exit 2).
import { CommanderError } from "commander";
import { CommandFailure } from "./command-failure.js";
import { describeFailure } from "./output/describe-failure.js";
import { type ExitCode, exitCodeOf, exitCodes } from "./output/exit-codes.js";
import { createProgram } from "./program.js";

/** Runs prismctl with `args` (the arguments after the executable) and resolves with the exit code. */
export async function runPrismctl(args: readonly string[]): Promise<ExitCode> {
  try {
    await createProgram().parseAsync([...args], { from: "user" });
    return exitCodes.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      const shownOnRequest = error.code === "commander.helpDisplayed" || error.code === "commander.version";
      return shownOnRequest || error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    const failure = error instanceof CommandFailure ? error : undefined;
    const cause = failure === undefined ? error : failure.cause;
    const prefix = failure === undefined ? "prismctl" : `prismctl: ${failure.what}`;
    process.stderr.write(`${prefix}: ${describeFailure(cause, failure?.settings)}\n`);
    return exitCodeOf(cause);
  }
}
