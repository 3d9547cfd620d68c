// @prism/proxy: start a Prism proxy from code (the `prism-proxy` executable wraps this).
export { ListenError, type RunningProxy, type StartProxyOptions, startProxy } from "./proxy.js";
export {
  loadProxyConfig,
  parseProxyConfig,
  defaultProxyConfig,
  defaultListen,
  accessSchema,
  bindingSchema,
  corsSchema,
  healthSchema,
  metricsSchema,
  tracingSchema,
  stateSchema,
  topLevelSchema,
  type CorsConfig,
  type HealthConfig,
  type ProxyConfig,
  type NamespaceConfig,
  type BindingConfig,
} from "./config/proxy-config.js";
export { type AuthConfig, authClaimsSchema, authSchema } from "./auth/auth-config.js";
export { configSourceSchema, type NatsConfigSource, natsConfigSourceSchema } from "./config/config-source-schema.js";
export { apiNames, type ApiName } from "./config/api-names.js";
export { type OverloadConfig, overloadSchema } from "./config/overload-config.js";
export { PatternStartError } from "./patterns/pattern-process.js";
export { namespaceHeader, errorReasonHeader } from "./server/namespace-router.js";
export { proxyVersion } from "./version.js";
