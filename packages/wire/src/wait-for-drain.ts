// waitForDrain: resolves when a full HTTP/2 stream can take more writes, or has closed.
import type { Http2Stream } from "node:http2";

/**
 * Resolves on the stream's next "drain" (or "close", so a writer never waits on a dead stream).
 *
 * @private Internal to Prism (SDK, proxy, client); does not follow semantic versioning.
 */
export function waitForDrain(stream: Http2Stream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
  });
}
