// SigningKeyRing: the IdP's ES256 signing keys and which of them are published. oidc-provider's keystore is fixed
// when a Provider is constructed, so rotation works on keys staged in advance: a staged key already sits in the
// keystore but is hidden from the JWKS endpoint until it is published and becomes the signing key.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import type { JWK } from "oidc-provider";

/** The JWS algorithm of every key on the ring (EC P-256 keys take well under a millisecond to generate). */
export const signingAlgorithm = "ES256";

/** Private signing keys in generation order; the oldest published key is first, staged keys come last. */
export class SigningKeyRing {
  readonly #keys: JWK[] = [];
  readonly #published: string[] = [];
  #current: string;

  /** A ring with one published (current) key and `staged` keys staged behind it. */
  constructor(staged: number) {
    const first = this.#generate();
    this.#published.push(first);
    this.#current = first;
    this.stage(staged);
  }

  /** The kid that signs access tokens now. */
  get currentKid(): string {
    return this.#current;
  }

  /** The kids served at the JWKS endpoint, newest first. */
  get publishedKids(): string[] {
    return [...this.#published];
  }

  /** Every private key (published and staged), for a Provider's `jwks` configuration. */
  get privateKeys(): JWK[] {
    return this.#keys.map((key) => ({ ...key }));
  }

  /** How many keys are staged (in the keystore, not published yet). */
  get stagedCount(): number {
    return this.#keys.length - this.#published.length;
  }

  /** Generates `count` more staged keys (a Provider built afterwards is needed to sign with them). */
  stage(count: number): void {
    for (let i = 0; i < count; i++) this.#generate();
  }

  /** Publishes the oldest staged key and makes it the signing key; returns its kid. */
  publishNext(): string {
    const next = this.#keys.find((key) => key.kid !== undefined && !this.#published.includes(key.kid))?.kid;
    if (next === undefined) throw new Error("SigningKeyRing: no staged key left to publish");
    this.#published.unshift(next);
    this.#current = next;
    return next;
  }

  #generate(): string {
    const kid = `key-${this.#keys.length + 1}-${randomBytes(4).toString("hex")}`;
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const { kty, crv, x, y, d } = privateKey.export({ format: "jwk" });
    this.#keys.push({ kty, crv, x, y, d, kid, alg: signingAlgorithm, use: "sig" });
    return kid;
  }
}
