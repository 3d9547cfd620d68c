// decodeRequest: one request message decoded with protobuf-es, or INVALID_ARGUMENT saying why.
import { type DescMessage, fromBinary, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Decodes `bytes` as `schema`; throws a ConnectError INVALID_ARGUMENT naming the type when they are not one.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function decodeRequest<I extends DescMessage>(schema: I, bytes: Uint8Array): MessageShape<I> {
  try {
    return fromBinary(schema, bytes);
  } catch (error) {
    throw new ConnectError(`cannot decode ${schema.typeName}: ${(error as Error).message}`, Code.InvalidArgument);
  }
}
