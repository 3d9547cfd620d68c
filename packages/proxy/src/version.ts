// The proxy's version, read from its package.json (what changesets wrote), for logs, --version and Initialize.
import { packageVersion } from "@prism/pattern-sdk";

/** @prism/proxy version. */
export const proxyVersion = packageVersion(import.meta.url);
