// Loads oidc-provider once, muting the one warning it prints at import time on Node 20 ("Unsupported runtime. Use
// Node.js v22.x LTS ..."); every other console output passes through untouched.

/** The oidc-provider module namespace. */
export type OidcProviderModule = typeof import("oidc-provider");

/** The warning oidc-provider 9 prints (via console.warn, possibly wrapped in ANSI colors) when imported on Node < 22. */
const unsupportedRuntimeWarning = /oidc-provider WARNING: Unsupported runtime\./;

let loading: Promise<OidcProviderModule> | undefined;

/** The oidc-provider module, imported on first call without its "Unsupported runtime" warning. */
export function importOidcProvider(): Promise<OidcProviderModule> {
  loading ??= importMuted();
  return loading;
}

async function importMuted(): Promise<OidcProviderModule> {
  const warn = console.warn;
  console.warn = (...data: unknown[]) => {
    if (typeof data[0] === "string" && unsupportedRuntimeWarning.test(data[0])) return;
    warn.apply(console, data);
  };
  try {
    return await import("oidc-provider");
  } finally {
    console.warn = warn;
  }
}
