// The one table of what each RPC needs: read, write or admin on the call's namespace (admin RPCs
// need admin on the proxy). A method the table does not know needs admin, so a new RPC is closed
// until it is classified here.

/** A permission a namespace grants. */
export type Permission = "read" | "write" | "admin";

/**
 * Permission per method path. Reads change nothing; writes change data or deliver messages.
 * Ack is `read`: it settles messages of the caller's own subscription, which reading them
 * required, and changes no data. Listen is `write`: it acts as a registered identity (and with
 * unregister_on_close ends its registration), which is a registrant's right, not a reader's.
 */
export const methodPermissions: ReadonlyMap<string, Permission> = new Map<string, Permission>([
  ["/prism.keyvalue.v1.KeyValueService/Get", "read"],
  ["/prism.keyvalue.v1.KeyValueService/Exists", "read"],
  ["/prism.keyvalue.v1.KeyValueService/Scan", "read"],
  ["/prism.keyvalue.v1.KeyValueService/BatchGet", "read"],
  ["/prism.keyvalue.v1.KeyValueService/Set", "write"],
  ["/prism.keyvalue.v1.KeyValueService/Delete", "write"],
  ["/prism.keyvalue.v1.KeyValueService/BatchSet", "write"],
  ["/prism.keyvalue.v1.KeyValueService/BatchDelete", "write"],
  ["/prism.pubsub.v1.PubSubService/Subscribe", "read"],
  ["/prism.pubsub.v1.PubSubService/Ack", "read"],
  ["/prism.pubsub.v1.PubSubService/Publish", "write"],
  ["/prism.pubsub.v1.PubSubService/PublishStream", "write"],
  ["/prism.registry.v1.RegistryService/Get", "read"],
  ["/prism.registry.v1.RegistryService/Enumerate", "read"],
  ["/prism.registry.v1.RegistryService/Register", "write"],
  ["/prism.registry.v1.RegistryService/Heartbeat", "write"],
  ["/prism.registry.v1.RegistryService/Unregister", "write"],
  ["/prism.registry.v1.RegistryService/Listen", "write"],
  ["/prism.registry.v1.RegistryService/Multicast", "write"],
]);

/** The permission `path` needs on its namespace (admin for a path the table does not know). */
export function permissionOf(path: string): Permission {
  return methodPermissions.get(path) ?? "admin";
}
