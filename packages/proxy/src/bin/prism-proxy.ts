#!/usr/bin/env node
// The prism-proxy executable: parse flags, load config, start, and stop cleanly on SIGINT/SIGTERM.
import { ConfigError } from "@prism/pattern-sdk";
import { createLogger } from "@prism/pattern-sdk/host";
import { parseProxyArgs, proxyUsage } from "../cli-args.js";
import { defaultProxyConfig, loadProxyConfig, parseProxyConfig } from "../config/proxy-config.js";
import { startProxy } from "../proxy.js";
import { proxyVersion } from "../version.js";

const logger = createLogger({ fields: { component: "proxy" } });

function fail(message: string, exitCode: number): never {
  process.stderr.write(`prism-proxy: ${message}\n`);
  process.exit(exitCode);
}

let args: ReturnType<typeof parseProxyArgs>;
try {
  args = parseProxyArgs(process.argv.slice(2));
} catch (error) {
  fail(`${(error as Error).message}\n\n${proxyUsage}`, 2);
}
if (args.help) {
  process.stdout.write(`${proxyUsage}\n`);
  process.exit(0);
}
if (args.version) {
  process.stdout.write(`${proxyVersion}\n`);
  process.exit(0);
}

let config: ReturnType<typeof loadProxyConfig>;
try {
  if (args.listen !== undefined) {
    // Checked on its own first (so its error names --listen), then with the rest of the config (auth).
    parseProxyConfig({ listen: args.listen, namespaces: {}, auth: { mode: "none" } }, undefined);
  }
  config = args.config ? loadProxyConfig(args.config, args.listen) : defaultProxyConfig(args.listen);
} catch (error) {
  if (error instanceof ConfigError) {
    fail(`invalid configuration: ${error.message.replace(/^listen:/, "--listen:")}`, 2);
  }
  throw error;
}
if (!args.config) logger.info('no --config given: serving one "default" namespace on in-process memstore');

let proxy: Awaited<ReturnType<typeof startProxy>> | undefined;
let signals = 0;
const shutdown = (signal: string) => {
  signals++;
  if (signals > 1) {
    logger.warn(`${signal} again: exiting now; pattern processes exit when their standard input closes`);
    process.exit(1);
  }
  logger.info(`${signal} received${proxy ? "" : " while starting: stopping once started patterns are up"}`);
  proxy?.close().then(
    () => process.exit(0),
    (error: Error) => {
      logger.error(`shutdown failed: ${error.message}`);
      process.exit(1);
    },
  );
};
// Installed before starting, so a signal during start-up still stops every pattern cleanly.
process.on("SIGINT", () => shutdown("SIGINT"));
process.on("SIGTERM", () => shutdown("SIGTERM"));

proxy = await startProxy(config, { logger }).catch((error: Error) => {
  // Printed once, like a config error found while loading: a pattern's config is part of prism.yaml.
  if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`, 2);
  fail(`failed to start: ${error.message}`, 1);
});
if (signals > 0) {
  signals = 0;
  shutdown("earlier signal");
}
