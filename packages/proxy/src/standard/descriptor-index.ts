// The descriptors gRPC reflection answers from: every file that declares a service the proxy serves,
// with its transitive imports (well-known types included), indexed by file name, by symbol
// (services, methods, messages, fields, oneofs, enums, enum values, extensions, nested ones alike)
// and by extension, each answer serialized once as FileDescriptorProtos.
import { type DescEnum, type DescExtension, type DescFile, type DescMessage, type DescService, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

/** Lookups of the files behind a set of services, for server reflection. */
export class DescriptorIndex {
  /** Full names of the services, in the order given. */
  readonly serviceNames: readonly string[];
  private readonly files = new Map<string, DescFile>();
  private readonly symbols = new Map<string, DescFile>();
  private readonly messages = new Set<string>();
  private readonly extensions = new Map<string, DescExtension[]>();
  private readonly encoded = new Map<DescFile, Uint8Array[]>();

  constructor(services: readonly DescService[]) {
    this.serviceNames = services.map((service) => service.typeName);
    for (const service of services) this.addFile(service.file);
  }

  /** The file named `name` (e.g. `prism/keyvalue/v1/keyvalue.proto`) and its imports, serialized; undefined when unknown. */
  fileByName(name: string): Uint8Array[] | undefined {
    const file = this.files.get(name);
    return file && this.withImports(file);
  }

  /** The file declaring the fully qualified `symbol` and its imports, serialized; undefined when unknown. */
  fileContainingSymbol(symbol: string): Uint8Array[] | undefined {
    const file = this.symbols.get(symbol.startsWith(".") ? symbol.slice(1) : symbol);
    return file && this.withImports(file);
  }

  /** The file declaring extension `number` of message `extendee` and its imports, serialized; undefined when unknown. */
  fileContainingExtension(extendee: string, number: number): Uint8Array[] | undefined {
    const extension = this.extensions.get(extendee)?.find((candidate) => candidate.number === number);
    return extension && this.withImports(extension.file);
  }

  /** The extension numbers known for message `typeName` (often none); undefined when the message is unknown. */
  extensionNumbers(typeName: string): number[] | undefined {
    if (!this.messages.has(typeName)) return undefined;
    return (this.extensions.get(typeName) ?? []).map((extension) => extension.number);
  }

  /** `file` first, then every file it imports, directly or not, each once; serialized on first use. */
  private withImports(file: DescFile): Uint8Array[] {
    let encoded = this.encoded.get(file);
    if (encoded === undefined) {
      const seen = new Set<DescFile>();
      const visit = (current: DescFile) => {
        if (seen.has(current)) return;
        seen.add(current);
        for (const dependency of current.dependencies) visit(dependency);
      };
      visit(file);
      encoded = [...seen].map((each) => toBinary(FileDescriptorProtoSchema, each.proto));
      this.encoded.set(file, encoded);
    }
    return encoded;
  }

  private addFile(file: DescFile): void {
    if (this.files.has(file.proto.name)) return;
    this.files.set(file.proto.name, file);
    for (const dependency of file.dependencies) this.addFile(dependency);
    for (const message of file.messages) this.addMessage(message, file);
    for (const descEnum of file.enums) this.addEnum(descEnum, file);
    for (const extension of file.extensions) this.addExtension(extension, file);
    for (const service of file.services) {
      this.addSymbol(service.typeName, file);
      for (const method of service.methods) this.addSymbol(`${service.typeName}.${method.name}`, file);
    }
  }

  private addMessage(message: DescMessage, file: DescFile): void {
    this.addSymbol(message.typeName, file);
    this.messages.add(message.typeName);
    for (const field of message.fields) this.addSymbol(`${message.typeName}.${field.name}`, file);
    for (const oneof of message.oneofs) this.addSymbol(`${message.typeName}.${oneof.name}`, file);
    for (const nested of message.nestedMessages) this.addMessage(nested, file);
    for (const nested of message.nestedEnums) this.addEnum(nested, file);
    for (const nested of message.nestedExtensions) this.addExtension(nested, file);
  }

  /** An enum, and its values, which protobuf scopes beside the enum (`pkg.Outer.VALUE`), not in it. */
  private addEnum(descEnum: DescEnum, file: DescFile): void {
    this.addSymbol(descEnum.typeName, file);
    const scope = descEnum.typeName.slice(0, Math.max(0, descEnum.typeName.lastIndexOf(".")));
    for (const value of descEnum.values) this.addSymbol(scope === "" ? value.name : `${scope}.${value.name}`, file);
  }

  private addExtension(extension: DescExtension, file: DescFile): void {
    this.addSymbol(extension.typeName, file);
    const known = this.extensions.get(extension.extendee.typeName);
    if (known) known.push(extension);
    else this.extensions.set(extension.extendee.typeName, [extension]);
  }

  private addSymbol(name: string, file: DescFile): void {
    if (!this.symbols.has(name)) this.symbols.set(name, file);
  }
}
