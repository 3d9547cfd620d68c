// Principals: who an access rule names, as "sub:<subject>", "group:<group or role>",
// "scope:<scope>", or "any" (any authenticated caller). An identity is the set of principals a
// verified token proves, so a rule check is a set lookup.
import type { CallerIdentity } from "@prism/wire";

/** A caller proven by a verified token. */
export interface Identity {
  /** Who it is, as patterns see it (subject, groups, scopes; never the token). */
  readonly caller: CallerIdentity;
  /** Every principal the identity holds ("any", "sub:…", "group:…", "scope:…"). */
  readonly principals: ReadonlySet<string>;
}

/** The syntax of a principal in prism.yaml. */
export const principalPattern = /^(any|(sub|group|scope):[^\s]{1,256})$/;

/** What a principal may be, in words. */
export const principalRule = '"sub:<subject>", "group:<group or role>", "scope:<scope>" or "any"';

/** The identity of `subject` with `groups` and `scopes`. */
export function identityOf(subject: string, groups: readonly string[], scopes: readonly string[]): Identity {
  const principals = new Set<string>(["any", `sub:${subject}`]);
  for (const group of groups) principals.add(`group:${group}`);
  for (const scope of scopes) principals.add(`scope:${scope}`);
  return { caller: { subject, groups, scopes }, principals };
}

/** Whether `identity` holds any of `granted`. */
export function holdsAny(identity: Identity, granted: ReadonlySet<string>): boolean {
  if (granted.size === 0) return false;
  for (const principal of identity.principals) if (granted.has(principal)) return true;
  return false;
}
