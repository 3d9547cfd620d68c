// Whether each namespace's API bindings serve, from their patterns' health: HEALTHY and DEGRADED
// serve; UNHEALTHY, a failed health check or no answer in time do not. Process patterns answer with
// their monitor's last report (cheap); in-process ones ask the instance.
import type { ApiName } from "../config/api-names.js";
import type { PatternRuntime } from "../patterns/pattern-runtime.js";
import type { NamespaceRouter } from "../server/namespace-router.js";

/** Whether each binding serves, by namespace, then API. */
export type BindingStates = ReadonlyMap<string, ReadonlyMap<ApiName, boolean>>;

/** No bindings at all (for questions that are not about a data-plane API). */
export const noBindings: BindingStates = new Map();

/** Which bindings to ask: one API, one namespace, both, or (both absent) every binding. */
export interface BindingFilter {
  /** Only this API. */
  readonly api?: ApiName | undefined;
  /** Only this namespace. */
  readonly namespace?: string | undefined;
}

/** How long a pattern may take to report its health before its binding counts as not serving. */
export const healthAnswerMs = 2000;

/** Asks the pattern of every binding that matches `filter` for its health, all at once. */
export async function bindingStates(router: NamespaceRouter, filter: BindingFilter = {}): Promise<BindingStates> {
  const states = new Map<string, Map<ApiName, boolean>>();
  const asked: Promise<void>[] = [];
  for (const { namespace, api, runtime } of router.entries()) {
    if ((filter.api !== undefined && api !== filter.api) || (filter.namespace !== undefined && namespace !== filter.namespace)) continue;
    let apis = states.get(namespace);
    if (apis === undefined) {
      apis = new Map();
      states.set(namespace, apis);
    }
    const into = apis;
    asked.push(serves(runtime).then((serving) => void into.set(api, serving)));
  }
  await Promise.all(asked);
  return states;
}

/** Whether the pattern reports HEALTHY or DEGRADED within healthAnswerMs. */
async function serves(runtime: PatternRuntime): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), healthAnswerMs);
  });
  try {
    const report = await Promise.race([runtime.health(), late]);
    return report !== undefined && report.status !== "UNHEALTHY";
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
