// grpc.health.v1.Health, served by the proxy itself to anyone (probes carry no token). Service ""
// and the proxy's own services are SERVING while the proxy serves; a data-plane service follows its
// namespaces' pattern health (or one namespace's, named by the prism-namespace header). Watch
// streams share one poller, which runs only while some stream is open, and end when the proxy closes.
import { Code, ConnectError } from "@connectrpc/connect";
import { type Health, HealthCheckResponse_ServingStatus as ServingStatus } from "@prism/proto/grpc/health/v1";
import type { ServiceHandlers } from "@prism/wire";
import { namespaceNamePattern } from "../config/namespace-name.js";
import type { NamespaceRouter } from "../server/namespace-router.js";
import { type BindingStates, bindingStates, noBindings } from "./binding-states.js";
import { HealthWatch } from "./health-watch.js";
import { servedServices } from "./served-services.js";
import { type HealthTarget, servingStatus, targetOf } from "./serving-status.js";

/** How long a health answer's view of the patterns is reused for Check and List (default). */
const defaultSnapshotMs = 1000;

/** Most distinct questions remembered (namespace names come from callers). */
const maxSnapshots = 256;

/** Most Watch streams open at once over every connection. */
const maxWatches = 1000;

/** How often open Watch streams look at the patterns' health (default). */
export const healthPollMs = 1000;

/** The health service of one proxy: answers Check, List and Watch, and knows when the proxy shuts down. */
export class HealthService {
  private shuttingDown = false;
  private readonly watches = new Set<HealthWatch>();
  /** The last binding states per question (API or all, namespace or all), and when they were asked for. */
  private readonly snapshots = new Map<string, { at: number; states: Promise<BindingStates> }>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    /** Where the bindings and their patterns are. */
    private readonly router: NamespaceRouter,
    /** How often open Watch streams look at the patterns' health. */
    private readonly pollMs = healthPollMs,
    /** How long Check and List reuse one look at the patterns' health. */
    private readonly snapshotMs = defaultSnapshotMs,
  ) {}

  /** The handlers for calls that name `namespace` in their prism-namespace header (undefined: no header). */
  handlers(namespace: string | undefined): ServiceHandlers<typeof Health> {
    return {
      check: (request) => this.check(request.service, namespace),
      list: () => this.list(namespace),
      watch: (request, context) => this.watch(request.service, namespace, context.signal),
    };
  }

  /** From now on every service is NOT_SERVING; open Watch streams are told so (unless watching an unknown one) and end. */
  shutDown(): void {
    this.shuttingDown = true;
    this.stopPolling();
    for (const watch of this.watches) watch.end(watch.current === ServingStatus.SERVICE_UNKNOWN ? undefined : ServingStatus.NOT_SERVING);
  }

  /** Check: the status of `service`, or NOT_FOUND for a service (or namespace binding) the proxy does not serve. */
  private async check(service: string, namespace: string | undefined): Promise<{ status: ServingStatus }> {
    const target = targetOf(service);
    const status = servingStatus(target, namespace, await this.statesFor(target, namespace), this.shuttingDown);
    if (status === undefined) throw new ConnectError(notFoundMessage(service, target, namespace), Code.NotFound);
    return { status };
  }

  /** List: every service the proxy serves (with a namespace: those it serves there) and its status. */
  private async list(namespace: string | undefined): Promise<{ statuses: Record<string, { status: ServingStatus }> }> {
    const states = await this.recentStates(`*|${namespace ?? ""}`, () => bindingStates(this.router, { namespace }));
    const statuses: Record<string, { status: ServingStatus }> = {};
    for (const service of ["", ...servedServices.map((served) => served.typeName)]) {
      const status = servingStatus(targetOf(service), namespace, states, this.shuttingDown);
      if (status !== undefined) statuses[service] = { status };
    }
    return { statuses };
  }

  /** Watch: the current status at once, then each change (SERVICE_UNKNOWN while unknown) until the caller leaves or the proxy closes. */
  private async *watch(service: string, namespace: string | undefined, signal: AbortSignal): AsyncGenerator<{ status: ServingStatus }> {
    if (this.watches.size >= maxWatches) {
      throw new ConnectError(
        `the proxy has ${maxWatches} health Watch streams open, the most it serves; retry later`,
        Code.ResourceExhausted,
      );
    }
    const target = targetOf(service);
    const first =
      servingStatus(target, namespace, await this.statesFor(target, namespace), this.shuttingDown) ?? ServingStatus.SERVICE_UNKNOWN;
    const watch = new HealthWatch(target, namespace, first);
    const onAbort = () => watch.end();
    signal.addEventListener("abort", onAbort, { once: true });
    if (this.shuttingDown || signal.aborted) {
      watch.end();
    } else {
      this.watches.add(watch);
      this.startPolling();
    }
    try {
      yield { status: first };
      for (let status = await watch.next(); status !== undefined; status = await watch.next()) yield { status };
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.watches.delete(watch);
      if (this.watches.size === 0) this.stopPolling();
    }
  }

  /** The binding states a question about `target` needs (none unless it is a data-plane API). */
  private statesFor(target: HealthTarget | undefined, namespace: string | undefined): Promise<BindingStates> {
    if (target === undefined || target === "proxy") return Promise.resolve(noBindings);
    return this.recentStates(`${target}|${namespace ?? ""}`, () => bindingStates(this.router, { api: target, namespace }));
  }

  /**
   * Binding states asked for at most once per snapshotMs per question: health calls need no
   * token, so a flood of them must not become a flood of backend health checks.
   */
  private recentStates(key: string, load: () => Promise<BindingStates>): Promise<BindingStates> {
    const now = Date.now();
    const recent = this.snapshots.get(key);
    if (recent !== undefined && now - recent.at < this.snapshotMs) return recent.states;
    if (this.snapshots.size >= maxSnapshots) this.snapshots.clear();
    const states = load();
    this.snapshots.set(key, { at: now, states });
    return states;
  }

  private startPolling(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  private stopPolling(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look at every binding for the open Watch streams (skipped while the previous one is still asking). */
  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      let needsBindings = false;
      for (const watch of this.watches) needsBindings ||= watch.target !== undefined && watch.target !== "proxy";
      const states = needsBindings ? await bindingStates(this.router) : noBindings;
      if (this.shuttingDown) return;
      for (const watch of this.watches) {
        watch.update(servingStatus(watch.target, watch.namespace, states, false) ?? ServingStatus.SERVICE_UNKNOWN);
      }
    } finally {
      this.polling = false;
    }
  }
}

/** The namespace a health call asks about: its prism-namespace header; a header of several values names none. */
export function healthNamespace(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  return typeof header === "string" ? header : header.join(",");
}

/** Why Check answers NOT_FOUND, naming the service (and the namespace when it is a valid name). */
function notFoundMessage(service: string, target: HealthTarget | undefined, namespace: string | undefined): string {
  if (target === undefined) return `unknown service ${JSON.stringify(service.slice(0, 200))}: this proxy does not serve it`;
  const where =
    namespace !== undefined && namespaceNamePattern.test(namespace)
      ? `namespace ${JSON.stringify(namespace)}`
      : "the prism-namespace header";
  return `${where} has no ${target} pattern on this proxy (or no such namespace)`;
}
