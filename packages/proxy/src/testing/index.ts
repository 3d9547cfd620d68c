// @prism/proxy/testing: run the real prism-proxy executable from tests and benchmarks.
export {
  startProxyProcess,
  processExists,
  proxyBinPath,
  type ProxyProcess,
  type ProxyLogRecord,
  type StartProxyProcessOptions,
} from "./start-proxy-process.js";
