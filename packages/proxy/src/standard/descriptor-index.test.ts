// DescriptorIndex: files by name and by symbol (nested ones too), transitive imports with the
// well-known types, extensions, and undefined for what it does not know.
import { create, createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, file_google_protobuf_timestamp } from "@bufbuild/protobuf/wkt";
import { Health } from "@prism/proto/grpc/health/v1";
import { KeyValueService } from "@prism/proto/keyvalue/v1";
import { describe, expect, it } from "vitest";
import { DescriptorIndex } from "./descriptor-index.js";

/** Names of the serialized files of an answer, in order. */
const names = (files: Uint8Array[] | undefined) => files?.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name);

/** A service in a file that imports google/protobuf/timestamp.proto and declares an extension of its own message. */
function clockService() {
  const proto = create(FileDescriptorProtoSchema, {
    name: "test/clock/v1/clock.proto",
    package: "test.clock.v1",
    syntax: "proto2",
    dependency: ["google/protobuf/timestamp.proto"],
    messageType: [
      {
        name: "Now",
        field: [{ name: "at", number: 1, type: 11, typeName: ".google.protobuf.Timestamp", label: 1 }],
        extensionRange: [{ start: 100, end: 200 }],
      },
    ],
    extension: [{ name: "zone", number: 150, type: 9, label: 1, extendee: ".test.clock.v1.Now" }],
    service: [{ name: "ClockService", method: [{ name: "Tell", inputType: ".test.clock.v1.Now", outputType: ".test.clock.v1.Now" }] }],
  });
  const registry = createFileRegistry(proto, (name) =>
    name === file_google_protobuf_timestamp.proto.name ? file_google_protobuf_timestamp : undefined,
  );
  const service = registry.getService("test.clock.v1.ClockService");
  if (service === undefined) throw new Error("no ClockService");
  return service;
}

describe("DescriptorIndex", () => {
  const index = new DescriptorIndex([KeyValueService, Health, clockService()]);

  it("lists the services it was given", () => {
    expect(index.serviceNames).toEqual(["prism.keyvalue.v1.KeyValueService", "grpc.health.v1.Health", "test.clock.v1.ClockService"]);
  });

  it("finds a file by name, with its imports after it", () => {
    expect(names(index.fileByName("prism/keyvalue/v1/keyvalue.proto"))).toEqual(["prism/keyvalue/v1/keyvalue.proto"]);
    expect(names(index.fileByName("test/clock/v1/clock.proto"))).toEqual(["test/clock/v1/clock.proto", "google/protobuf/timestamp.proto"]);
    expect(names(index.fileByName("google/protobuf/timestamp.proto"))).toEqual(["google/protobuf/timestamp.proto"]);
    expect(index.fileByName("nope.proto")).toBeUndefined();
  });

  it("finds the file of services, methods, messages, fields, nested enums and their values, with or without a leading dot", () => {
    for (const symbol of [
      "prism.keyvalue.v1.KeyValueService",
      "prism.keyvalue.v1.KeyValueService.Get",
      "prism.keyvalue.v1.GetRequest",
      "prism.keyvalue.v1.GetRequest.key",
      ".prism.keyvalue.v1.GetResponse",
    ]) {
      expect(names(index.fileContainingSymbol(symbol)), symbol).toEqual(["prism/keyvalue/v1/keyvalue.proto"]);
    }
    for (const symbol of ["grpc.health.v1.HealthCheckResponse.ServingStatus", "grpc.health.v1.HealthCheckResponse.SERVING"]) {
      expect(names(index.fileContainingSymbol(symbol)), symbol).toEqual(["grpc/health/v1/health.proto"]);
    }
    expect(names(index.fileContainingSymbol("google.protobuf.Timestamp"))).toEqual(["google/protobuf/timestamp.proto"]);
    expect(names(index.fileContainingSymbol("test.clock.v1.ClockService.Tell"))).toEqual([
      "test/clock/v1/clock.proto",
      "google/protobuf/timestamp.proto",
    ]);
    expect(index.fileContainingSymbol("prism.keyvalue.v1.Nope")).toBeUndefined();
    expect(index.fileContainingSymbol("prism.keyvalue")).toBeUndefined();
  });

  it("answers extension questions: numbers of a known message (often none), the file of an extension", () => {
    expect(index.extensionNumbers("prism.keyvalue.v1.GetRequest")).toEqual([]);
    expect(index.extensionNumbers("test.clock.v1.Now")).toEqual([150]);
    expect(index.extensionNumbers("nope.Message")).toBeUndefined();
    expect(names(index.fileContainingExtension("test.clock.v1.Now", 150))).toEqual([
      "test/clock/v1/clock.proto",
      "google/protobuf/timestamp.proto",
    ]);
    expect(index.fileContainingExtension("test.clock.v1.Now", 151)).toBeUndefined();
    expect(index.fileContainingExtension("prism.keyvalue.v1.GetRequest", 1)).toBeUndefined();
  });

  it("serializes each answer once", () => {
    expect(index.fileByName("prism/keyvalue/v1/keyvalue.proto")).toBe(index.fileContainingSymbol("prism.keyvalue.v1.GetRequest"));
  });
});
