// The services the proxy answers on its port, for gRPC reflection and health: the data-plane APIs it
// routes to namespaces, the admin API, and the standard health and reflection services it serves itself.
import type { DescService } from "@bufbuild/protobuf";
import { AdminService } from "@prism/proto/admin/v1";
import { Health } from "@prism/proto/grpc/health/v1";
import { ServerReflection as ServerReflectionV1 } from "@prism/proto/grpc/reflection/v1";
import { ServerReflection as ServerReflectionV1alpha } from "@prism/proto/grpc/reflection/v1alpha";
import { apiServices } from "../config/api-names.js";

/** The services the proxy serves itself, not routed to a namespace (health reports them SERVING while the proxy runs). */
export const proxyServices: readonly DescService[] = [AdminService, Health, ServerReflectionV1, ServerReflectionV1alpha];

/** Every service a caller can reach on the proxy's port, data-plane APIs first. */
export const servedServices: readonly DescService[] = [...Object.values(apiServices), ...proxyServices];
