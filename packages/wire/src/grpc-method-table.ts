// Turns a service descriptor plus handlers into a lookup table keyed by HTTP/2 path.
import type { DescMessage, DescService } from "@bufbuild/protobuf";
import type { CallContext, ServiceHandlers } from "./service-handlers.js";

/**
 * One callable method: its path, message schemas and handler.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export interface GrpcMethod {
  /** `/package.Service/Method`. */
  readonly path: string;
  /** Full service name, for routing. */
  readonly serviceName: string;
  /** Request schema. */
  readonly input: DescMessage;
  /** Response schema. */
  readonly output: DescMessage;
  /** Unary, server-streaming or bidi-streaming. */
  readonly kind: "unary" | "server_streaming" | "bidi_streaming";
  /** The handler; returns a promise (unary) or an async iterable (streaming); a bidi handler gets the requests as an async iterable. */
  readonly handler: (request: unknown, context: CallContext) => unknown;
}

/**
 * Path → method, for every method of every registered service.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export type GrpcMethodTable = Map<string, GrpcMethod>;

/**
 * Adds every method of `service` with its handler to `table` (a new table when omitted).
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function addService<S extends DescService>(
  service: S,
  handlers: ServiceHandlers<S>,
  table: GrpcMethodTable = new Map(),
): GrpcMethodTable {
  for (const method of service.methods) {
    if (method.methodKind === "client_streaming") {
      throw new Error(`${service.typeName}/${method.name}: ${method.methodKind} methods are not supported`);
    }
    const handler = (handlers as Record<string, GrpcMethod["handler"]>)[method.localName];
    if (typeof handler !== "function") {
      throw new Error(`${service.typeName}/${method.name}: no handler named ${method.localName}`);
    }
    const path = `/${service.typeName}/${method.name}`;
    table.set(path, {
      path,
      serviceName: service.typeName,
      input: method.input,
      output: method.output,
      kind: method.methodKind,
      handler,
    });
  }
  return table;
}
