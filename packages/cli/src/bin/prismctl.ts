#!/usr/bin/env node
// The prismctl executable: runs the command line and exits with its exit code.
import { exitQuietlyOnClosedStdout, exitWhenFlushed } from "../process-exit.js";
import { runPrismctl } from "../run-prismctl.js";

exitQuietlyOnClosedStdout();
exitWhenFlushed(await runPrismctl(process.argv.slice(2)));
