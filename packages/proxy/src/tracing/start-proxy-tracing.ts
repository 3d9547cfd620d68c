// Tracing of a proxy: started from `tracing.otlpEndpoint` or the standard OTEL_* variables (off when
// neither is set, or when the embedding application already started OpenTelemetry tracing through
// @prism/pattern-sdk/tracing, whose provider is used as is), with the environment that makes its
// pattern processes export to the same place under their own service name.
import type { Logger } from "@prism/pattern-sdk";
import { startTracing, tracingEnabled } from "@prism/pattern-sdk/tracing";
import type { ProxyConfig } from "../config/proxy-config.js";

/** The proxy's tracing, when on. */
export interface ProxyTracing {
  /** Environment of pattern processes (undefined: the proxy's own). */
  readonly patternEnv: NodeJS.ProcessEnv | undefined;
  /** Exports what is buffered and stops (a no-op when the embedding application owns tracing). */
  shutdown(): Promise<void>;
}

/** Starts tracing as the config and environment ask; undefined = off. */
export async function startProxyTracing(config: ProxyConfig, logger: Logger): Promise<ProxyTracing | undefined> {
  const patternService = `${config.tracing.serviceName}-pattern`;
  if (tracingEnabled()) {
    logger.info("tracing: spans go to the OpenTelemetry provider this process already started");
    return { patternEnv: undefined, shutdown: async () => {} };
  }
  const tracing = await startTracing({ serviceName: config.tracing.serviceName, otlpEndpoint: config.tracing.otlpEndpoint || undefined });
  if (tracing === undefined) return undefined;
  logger.info(`tracing: spans are exported over OTLP to ${tracing.destination}`, { otlp: tracing.destination });
  const patternEnv = { ...process.env, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: tracing.destination, OTEL_SERVICE_NAME: patternService };
  let stopped: Promise<void> | undefined;
  return {
    patternEnv,
    shutdown: () => {
      stopped ??= tracing.shutdown();
      return stopped;
    },
  };
}
