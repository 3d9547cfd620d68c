// `prismctl kv scan`: every key with a prefix, page after page, streamed as it arrives (JSON lines when piped), with
// a progress line on a terminal's stderr ("scanned 3 pages, 250 keys…") erased at the end.
import type { Command } from "commander";
import { commandContext } from "../command-context.js";
import type { CallInterceptor } from "../connection/connection-settings.js";
import { integerOption } from "../input/option-parsers.js";
import { describeBytes, encodeBytes } from "../output/encoded-bytes.js";
import { printable } from "../output/printable.js";
import { ProgressLine } from "../output/progress-line.js";

/** Options of `kv scan`. */
type ScanCommandOptions = {
  /** Include each key's value. */
  values?: boolean;
  /** Stop after this many keys. */
  limit?: number;
  /** Keys per round trip. */
  pageSize?: number;
};

/** The progress text after `pages` pages and `keys` keys. */
function progressText(pages: number, keys: number): string {
  return pages === 0 ? "scanning…" : `scanned ${pages} ${pages === 1 ? "page" : "pages"}, ${keys} ${keys === 1 ? "key" : "keys"}…`;
}

/** Adds `scan` to the `kv` command. */
export function addKvScanCommand(kv: Command): void {
  kv.command("scan")
    .description("list the keys starting with a prefix (matched literally), streamed page by page; JSON lines when piped")
    .argument("[prefix]", "the key prefix; absent = every key", "")
    .option("--values", "include each key's value")
    .option("--limit <n>", "stop after this many keys", integerOption(1))
    .option("--page-size <n>", "keys fetched per round trip (default: the namespace's page size)", integerOption(1, 0xffff_ffff))
    .action(async (prefix: string, options: ScanCommandOptions, command: Command) => {
      const context = commandContext(command);
      const { output } = context;
      const progress = new ProgressLine(process.stderr, output.stderrIsTty);
      let pages = 0;
      let keys = 0;
      // Each Scan call is one page: draw the progress while the next page is on its way.
      const countPages: CallInterceptor = (next) => async (request) => {
        if (request.method.name !== "Scan") return next(request);
        progress.update(progressText(pages, keys), true);
        const response = await next(request);
        pages++;
        return response;
      };
      const includeValues = options.values === true;
      await context.run(`kv scan ${JSON.stringify(prefix)}`, async () => {
        const client = await context.client([countPages]);
        const entries = client.kv.scan(prefix, {
          includeValues,
          ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
        });
        try {
          for await (const { key, value } of entries) {
            if (output.stdoutIsTty) progress.clear();
            if (output.mode === "json") {
              const encoded = includeValues ? encodeBytes(value) : undefined;
              output.jsonLine(encoded === undefined ? { key } : { key, value: encoded.text, encoding: encoded.encoding });
            } else output.line(includeValues ? `${printable(key)}  ${describeBytes(value, printable)}` : printable(key));
            keys++;
            if (options.limit !== undefined && keys >= options.limit) break;
            progress.update(progressText(pages, keys));
          }
        } finally {
          progress.clear();
        }
      });
      if (keys === 0 && output.mode === "human") output.notice(`no keys start with ${printable(JSON.stringify(prefix))}`);
    });
}
