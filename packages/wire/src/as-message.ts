// asMessage: a message object as protobuf-es needs it to encode, from a message or its init shape.
import { create, type DescMessage, type Message } from "@bufbuild/protobuf";

/**
 * `value` itself when it is a message of a schema already, else the message `schema` creates from it.
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function asMessage(schema: DescMessage, value: object): Message {
  return "$typeName" in value ? (value as Message) : create(schema, value as never);
}
