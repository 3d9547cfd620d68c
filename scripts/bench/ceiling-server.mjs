#!/usr/bin/env node
// The ceiling of the bench (run as a child process by ceiling-scenario.mjs): a bare node:http2
// server that answers every request, once its body has arrived, with one canned gRPC answer, a
// precomputed KeyValue GetResponse frame (a 100-byte value) and grpc-status 0 trailers, with no
// routing, decoding or backend. What the proxy's rows are compared with. It prints
// "listening PORT" on stdout and exits when its stdin closes (so it never outlives the bench).
import { createServer } from "node:http2";
import { importBuilt } from "./built-packages.mjs";
import { grpcFrame } from "./grpc-load.mjs";
import { benchValue, loadKvProtocol } from "./kv-workload.mjs";

const { create, toBinary } = await loadKvProtocol();
const { GetResponseSchema } = await importBuilt("proto/dist/gen/prism/keyvalue/v1/keyvalue_pb.js");
const answer = grpcFrame(toBinary(GetResponseSchema, create(GetResponseSchema, { value: benchValue })));
const responseHeaders = { ":status": 200, "content-type": "application/grpc" };
const trailers = { "grpc-status": "0" };

const server = createServer();
server.on("stream", (stream) => {
  stream.on("error", () => {}); // a reset stream is the client's business
  stream.once("end", () => {
    if (stream.destroyed) return;
    stream.respond(responseHeaders, { waitForTrailers: true });
    stream.once("wantTrailers", () => stream.sendTrailers(trailers));
    stream.end(answer);
  });
  stream.resume(); // discard the request message
});
server.on("sessionError", () => {});
server.listen(0, "127.0.0.1", () => process.stdout.write(`listening ${server.address().port}\n`));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
