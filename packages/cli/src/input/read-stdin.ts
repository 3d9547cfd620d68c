// readStdin: the whole of standard input as bytes (a value or payload given as "-"), with a hint on a terminal.

/** Reads standard input to its end; on a terminal, first tells the user (on stderr) how to end the input. */
export async function readStdin(what: string): Promise<Uint8Array> {
  if (process.stdin.isTTY) process.stderr.write(`reading the ${what} from standard input; end it with Ctrl-D\n`);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}
