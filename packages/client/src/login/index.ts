// @prism/client/login: Node-only login for the Prism client: an OIDC device-code login (RFC 8628) that stores the
// token set in ~/.prism/token.json, and a token provider that reads and refreshes it. Browsers pass their own provider.
export {
  type DeviceLoginOptions,
  type DeviceLoginResult,
  type DevicePrompt,
  defaultLoginScope,
  deviceLogin,
} from "./device-login.js";
export { defaultRefreshAheadMs, type FileTokenProviderOptions, fileTokenProvider } from "./file-token-provider.js";
export { defaultTokenPath, readTokenFile, type TokenSet, writeTokenFile } from "./token-file.js";
