// The proxy's version, reported in logs and sent to patterns in Initialize.

/** @prism/proxy version. */
export const proxyVersion = "0.1.0";
