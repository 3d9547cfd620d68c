// A raw HTTP/2 frame writer for attacks Node's own client refuses to send: the connection
// preface, SETTINGS, PING, DATA and RST_STREAM frames, and HEADERS whose fields are hand-encoded
// as HPACK literals without indexing (no Huffman, no dynamic table), so a value may hold any byte.
import { connect as connectTcp, type Socket } from "node:net";

/** The client connection preface (RFC 9113 §3.4). */
export const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/** Frame types used here. */
export const frameType = { data: 0x0, headers: 0x1, rstStream: 0x3, settings: 0x4, ping: 0x6, goaway: 0x7 } as const;

/** Frame flags used here. */
export const frameFlag = { endStream: 0x1, ack: 0x1, endHeaders: 0x4, padded: 0x8, priority: 0x20 } as const;

/** HTTP/2 error code CANCEL. */
export const cancelCode = 0x8;

/** One frame: 9-byte header then `payload`. */
export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.byteLength, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([header, payload]);
}

/** A SETTINGS frame with the given (identifier, value) pairs. */
export function settingsFrame(settings: [number, number][] = []): Buffer {
  const payload = Buffer.alloc(settings.length * 6);
  settings.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, i * 6);
    payload.writeUInt32BE(value, i * 6 + 2);
  });
  return frame(frameType.settings, 0, 0, payload);
}

/** A PING frame (not an ack). */
export function pingFrame(): Buffer {
  return frame(frameType.ping, 0, 0, Buffer.alloc(8));
}

/** A RST_STREAM frame with `code`. */
export function rstStreamFrame(streamId: number, code = cancelCode): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(code);
  return frame(frameType.rstStream, 0, streamId, payload);
}

/** A DATA frame (split by the caller into frames of at most 16,384 bytes). */
export function dataFrame(streamId: number, payload: Buffer, endStream = false): Buffer {
  return frame(frameType.data, endStream ? frameFlag.endStream : 0, streamId, payload);
}

/** A header field: name and value, the value as text or raw bytes. */
export type RawHeader = readonly [name: string, value: string | Buffer];

/** HPACK integer with an `prefixBits`-bit prefix (RFC 7541 §5.1); `first` holds the bits above the prefix. */
function hpackInteger(value: number, prefixBits: number, first = 0): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([first | value]);
  const bytes = [first | max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** An HPACK string literal without Huffman coding. */
function hpackString(value: Buffer): Buffer {
  return Buffer.concat([hpackInteger(value.byteLength, 7), value]);
}

/** A header block of literal fields without indexing and with new names (RFC 7541 §6.2.2): nothing enters any table. */
export function headerBlock(headers: readonly RawHeader[]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of headers) {
    parts.push(Buffer.from([0x00]), hpackString(Buffer.from(name, "latin1")), hpackString(Buffer.from(value)));
  }
  return Buffer.concat(parts);
}

/** A HEADERS frame (END_HEADERS) carrying `headers` hand-encoded. */
export function headersFrame(streamId: number, headers: readonly RawHeader[], endStream = false): Buffer {
  return frame(frameType.headers, frameFlag.endHeaders | (endStream ? frameFlag.endStream : 0), streamId, headerBlock(headers));
}

/** The request headers of a gRPC call to `path`, then `extra`. */
export function grpcRequestHeaders(host: string, path: string, extra: readonly RawHeader[] = []): RawHeader[] {
  return [
    [":method", "POST"],
    [":scheme", "http"],
    [":authority", host],
    [":path", path],
    ["content-type", "application/grpc"],
    ["te", "trailers"],
    ...extra,
  ];
}

/** Opens a TCP connection from `localAddress`; resolves once connected. Errors after that are ignored (the proxy may cut it). */
export function openSocket(host: string, port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host, port, localAddress });
    socket.once("connect", () => {
      socket.off("error", reject);
      socket.on("error", () => {});
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/** Resolves once `socket` has closed (or at once when it already has). */
export function closed(socket: Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => socket.once("close", () => resolve()));
}
