// `prismctl health`: the proxy's version, uptime and every namespace's pattern health (state, restarts) from the admin
// API's GetStatus; when the admin API refuses the caller, says so and shows what GET /healthz tells instead.
import {
  Code,
  type PatternStatus,
  PermissionDeniedError,
  PrismError,
  type ProxyStatus,
  UnauthenticatedError,
  UnavailableError,
} from "@prism/client";
import type { Command } from "commander";
import { commandContext } from "../command-context.js";
import { CommandFailure } from "../command-failure.js";
import type { ConnectionSettings } from "../connection/connection-settings.js";
import { describeFailure } from "../output/describe-failure.js";
import { formatDuration } from "../output/format-duration.js";
import type { Output } from "../output/output.js";
import type { Column } from "../output/table.js";

/** One row of the health table. */
type HealthRow = { namespace: string } & Partial<PatternStatus> & Pick<PatternStatus, "api" | "status" | "message">;

/** The body of GET /healthz: bare ({"status":"SERVING"}) or, with health.details, every pattern's report. */
type HealthzDocument = {
  status: string;
  namespaces?: Record<string, Record<string, { pattern?: string; status?: string; message?: string; details?: Record<string, string> }>>;
};

const ranks: Record<string, number> = { HEALTHY: 0, SERVING: 0, DEGRADED: 1, UNHEALTHY: 2 };

/** Adds `health` to `program`. */
export function addHealthCommand(program: Command): void {
  program
    .command("health")
    .description("show the proxy's namespaces, APIs, patterns, health states and restarts (admin API GetStatus)")
    .option("--details", "add each pattern's health details (backend state, counters, pid)")
    .addHelpText(
      "after",
      `
Needs the proxy-level admin permission (anyone on an open, loopback-only proxy). When the admin API refuses the caller,
prismctl says so on stderr and shows GET /healthz instead (pattern health there needs health.details: true).`,
    )
    .action(async (options: { details?: boolean }, command: Command) => {
      const context = commandContext(command);
      const { output, settings } = context;
      let status: ProxyStatus;
      try {
        status = await (await context.client()).admin.getStatus();
      } catch (error) {
        if (!(error instanceof UnauthenticatedError || error instanceof PermissionDeniedError || unimplemented(error))) {
          throw new CommandFailure("health", error, settings);
        }
        output.notice(
          `prismctl: health: the admin API refused GetStatus: ${describeFailure(error, settings)}; showing GET /healthz instead`,
        );
        const document = await context.run("health: GET /healthz", () => fetchHealthz(settings));
        return writeHealthz(output, settings, document, options.details === true);
      }
      writeStatus(output, settings, status, options.details === true);
    });
}

/** Whether the proxy has no admin API at all. */
function unimplemented(error: unknown): boolean {
  return error instanceof PrismError && error.code === Code.Unimplemented;
}

/** The worst state of `states` (HEALTHY when empty). */
function worst(states: string[]): string {
  return states.reduce((result, state) => ((ranks[state] ?? 2) > (ranks[result] ?? 2) ? state : result), "HEALTHY");
}

/** The columns of the health table. */
function columns(details: boolean): Column<HealthRow>[] {
  const result: Column<HealthRow>[] = [
    { header: "namespace", cell: (row) => row.namespace },
    { header: "api", cell: (row) => row.api },
    { header: "pattern", cell: (row) => row.pattern ?? "-" },
    { header: "isolation", cell: (row) => row.isolation ?? "-" },
    { header: "state", cell: (row) => row.status },
    { header: "restarts", cell: (row) => row.restarts ?? "-", alignRight: true },
    { header: "message", cell: (row) => row.message },
  ];
  if (details) {
    const format = (row: HealthRow) => Object.entries(row.details ?? {}).map(([key, value]) => `${key}=${value}`);
    result.push({ header: "details", cell: (row) => format(row).join(" ") });
  }
  return result;
}

/** Writes GetStatus: JSON, or a summary line and the table. */
function writeStatus(output: Output, settings: ConnectionSettings, status: ProxyStatus, details: boolean): void {
  const rows = status.namespaces.flatMap((namespace): HealthRow[] =>
    namespace.patterns.length === 0
      ? [{ namespace: namespace.name, api: "-", status: "HEALTHY", message: "no APIs bound" }]
      : namespace.patterns.map((pattern) => ({ namespace: namespace.name, ...pattern })),
  );
  const overall = worst(rows.map((row) => row.status));
  if (output.mode === "json") {
    output.json({
      source: "admin",
      url: settings.url,
      status: overall,
      proxyVersion: status.proxyVersion,
      startedAt: status.startedAt.toISOString(),
      stateFile: status.stateFile ?? null,
      namespaces: status.namespaces,
    });
    return;
  }
  const persisted = status.stateFile === undefined ? "admin changes are not persisted" : `admin changes persist in ${status.stateFile}`;
  const uptime = formatDuration(Date.now() - status.startedAt.getTime());
  output.line(`prism-proxy ${status.proxyVersion} at ${settings.url}: ${overall}, up ${uptime}; ${persisted}`);
  output.table(columns(details), rows);
}

/** GET /healthz on the proxy, within the call deadline; UnavailableError when it cannot be fetched. */
async function fetchHealthz(settings: ConnectionSettings): Promise<HealthzDocument> {
  let response: Response;
  try {
    response = await fetch(`${settings.url}/healthz`, settings.timeoutMs > 0 ? { signal: AbortSignal.timeout(settings.timeoutMs) } : {});
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : (error as Error).message;
    throw new UnavailableError(`GET /healthz failed: ${cause}`);
  }
  const text = await response.text();
  if (!response.ok) throw new UnavailableError(`GET /healthz answered HTTP ${response.status}: ${text.slice(0, 200)}`);
  try {
    return JSON.parse(text) as HealthzDocument;
  } catch {
    throw new UnavailableError(`GET /healthz answered something that is not JSON: ${text.slice(0, 200)}`);
  }
}

/** Writes what /healthz told: JSON, or the table when it has pattern details, else the proxy's bare state. */
function writeHealthz(output: Output, settings: ConnectionSettings, document: HealthzDocument, details: boolean): void {
  if (output.mode === "json") {
    output.json({ source: "healthz", url: settings.url, ...document });
    return;
  }
  const namespaces = Object.entries(document.namespaces ?? {});
  if (namespaces.length === 0) {
    output.line(`prism-proxy at ${settings.url}: ${document.status} (per-pattern health needs the admin API, or health.details: true)`);
    return;
  }
  const rows: HealthRow[] = namespaces.flatMap(([namespace, apis]) =>
    Object.entries(apis).map(([api, report]) => ({
      namespace,
      api,
      status: report.status === "HEALTHY" || report.status === "DEGRADED" ? report.status : "UNHEALTHY",
      message: report.message ?? "",
      ...(report.pattern === undefined ? {} : { pattern: report.pattern }),
      ...(report.details === undefined ? {} : { details: report.details }),
    })),
  );
  output.line(`prism-proxy at ${settings.url}: ${document.status} (from GET /healthz)`);
  output.table(columns(details), rows);
}
