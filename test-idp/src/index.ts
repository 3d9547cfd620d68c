// @prism/test-idp: a real OpenID provider for tests (see startTestIdp).
export { type TestIdp, type TestIdpOptions, startTestIdp } from "./start-test-idp.js";
