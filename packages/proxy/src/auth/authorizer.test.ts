// The per-call check with a stand-in verifier: a known token decides synchronously, a new one is
// verified once (also when many calls bring it at once), refusals are remembered, and access
// rules grant read/write/admin as documented.
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { type AuthDecision, Authorizer, type NamespaceAccess } from "./authorizer.js";
import { identityOf } from "./principal.js";
import type { TokenVerifier } from "./token-verifier.js";

/** A verifier that knows tokens "alice", "bob" and "root", counts verifications, and refuses anything else. */
function fakeVerifier() {
  const counts = { verified: 0 };
  const identities = {
    alice: identityOf("alice", ["ops"], ["prism.read"]),
    bob: identityOf("bob", [], []),
    root: identityOf("root", ["admins"], []),
  };
  const verifier: TokenVerifier = {
    keySource: "test",
    async verify(token) {
      counts.verified++;
      const identity = identities[token as keyof typeof identities];
      if (!identity) throw new ConnectError("the token's signature does not verify", Code.Unauthenticated);
      return { identity, expiresAtMs: Date.now() + 60_000 };
    },
  };
  return { verifier, counts };
}

const rules = (read: string[], write: string[], admin: string[]): NamespaceAccess => ({
  read: new Set(read),
  write: new Set(write),
  admin: new Set(admin),
});

function authorizer() {
  const { verifier, counts } = fakeVerifier();
  const access = new Map([
    ["orders", rules(["scope:prism.read"], ["group:writers"], ["sub:bob"])],
    ["public", rules(["any"], [], [])],
  ]);
  return { auth: new Authorizer(verifier, access, new Set(["group:admins"]), 100), counts };
}

const codeOf = (decision: AuthDecision) => (decision instanceof ConnectError ? decision.code : "allowed");

describe("Authorizer", () => {
  it("refuses a call without a bearer token, UNAUTHENTICATED", () => {
    const { auth } = authorizer();
    for (const header of [undefined, "", "Basic abc", "Bearer", ["Bearer a", "Bearer b"]]) {
      const decision = auth.check(header, "orders", "read") as AuthDecision;
      expect(codeOf(decision)).toBe(Code.Unauthenticated);
      expect((decision as ConnectError).rawMessage).toBe("this proxy requires Authorization: Bearer <token>");
    }
  });

  it("verifies a new token once, even for concurrent calls, then decides synchronously", async () => {
    const { auth, counts } = authorizer();
    const first = await Promise.all([auth.check("Bearer alice", "orders", "read"), auth.check("Bearer alice", "orders", "read")]);
    expect(first.map(codeOf)).toEqual(["allowed", "allowed"]);
    expect(counts.verified).toBe(1);
    const again = auth.check("Bearer alice", "orders", "read");
    expect(again).not.toBeInstanceOf(Promise);
    expect(codeOf(again as AuthDecision)).toBe("allowed");
    expect(counts.verified).toBe(1);
  });

  it("remembers a refused token for a while instead of verifying it on every call", async () => {
    const { auth, counts } = authorizer();
    expect(codeOf(await auth.check("Bearer forged", "orders", "read"))).toBe(Code.Unauthenticated);
    expect(codeOf(await auth.check("Bearer forged", "orders", "read"))).toBe(Code.Unauthenticated);
    expect(counts.verified).toBe(1);
  });

  it("grants by the namespace's rules: write implies read, admin implies both; PERMISSION_DENIED names namespace and permission", async () => {
    const { auth } = authorizer();
    expect(codeOf(await auth.check("Bearer alice", "orders", "read"))).toBe("allowed");
    const denied = (await auth.check("Bearer alice", "orders", "write")) as ConnectError;
    expect(denied.code).toBe(Code.PermissionDenied);
    expect(denied.rawMessage).toBe('alice may not write namespace "orders" (it needs write in its access rules)');
    expect(codeOf(await auth.check("Bearer bob", "orders", "write"))).toBe("allowed");
    expect(codeOf(await auth.check("Bearer bob", "orders", "admin"))).toBe("allowed");
    expect(codeOf(await auth.check("Bearer bob", "public", "read"))).toBe("allowed");
    expect(codeOf(await auth.check("Bearer bob", "public", "write"))).toBe(Code.PermissionDenied);
    expect(codeOf(await auth.check("Bearer alice", "unknown", "read"))).toBe(Code.PermissionDenied);
  });

  it("lets proxy admins do anything, and nobody else administer the proxy", async () => {
    const { auth } = authorizer();
    expect(codeOf(await auth.check("Bearer root", "orders", "write"))).toBe("allowed");
    expect(codeOf(await auth.check("Bearer root", undefined, "admin"))).toBe("allowed");
    const denied = (await auth.check("Bearer bob", undefined, "admin")) as ConnectError;
    expect(denied.code).toBe(Code.PermissionDenied);
    expect(denied.rawMessage).toContain("bob may not administer this proxy");
  });

  it("applies new access rules at once", async () => {
    const { auth } = authorizer();
    expect(codeOf(await auth.check("Bearer alice", "public", "write"))).toBe(Code.PermissionDenied);
    auth.setAccess(new Map([["public", rules([], ["group:ops"], [])]]));
    expect(codeOf(await auth.check("Bearer alice", "public", "write"))).toBe("allowed");
  });
});
