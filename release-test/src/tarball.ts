// What a published tarball holds: its file list and sizes, read with tar.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The contents of one .tgz. */
export interface TarballContents {
  /** Paths inside the package (without the leading "package/"). */
  readonly files: readonly string[];
  /** Size of the .tgz. */
  readonly packedBytes: number;
  /** Sum of the file sizes. */
  readonly unpackedBytes: number;
  /** Reads one file of the tarball as text. */
  read(path: string): string;
}

/** Contents already read, by tarball path. */
const read = new Map<string, TarballContents>();

/** Folders tarballs were extracted into, removed when the process exits. */
const extractedDirs: string[] = [];

/** Lists `tarball` (once; later calls return the same contents). */
export function readTarball(tarball: string): TarballContents {
  let contents = read.get(tarball);
  if (contents === undefined) {
    contents = listTarball(tarball);
    read.set(tarball, contents);
  }
  return contents;
}

function listTarball(tarball: string): TarballContents {
  const listing = execFileSync("tar", ["-tzvf", tarball], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  const files: string[] = [];
  let unpackedBytes = 0;
  for (const line of listing.split("\n")) {
    const match = /^\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+package\/(.+)$/.exec(line);
    if (!match) continue;
    unpackedBytes += Number(match[1]);
    files.push(match[2] as string);
  }
  let extracted: string | undefined;
  return {
    files,
    packedBytes: statSync(tarball).size,
    unpackedBytes,
    read(path) {
      if (extracted === undefined) {
        extracted = mkdtempSync(join(tmpdir(), "prism-tarball-"));
        execFileSync("tar", ["-xzf", tarball, "-C", extracted]);
        if (extractedDirs.push(extracted) === 1) {
          process.once("exit", () => {
            for (const dir of extractedDirs) rmSync(dir, { recursive: true, force: true });
          });
        }
      }
      return readFileSync(join(extracted, "package", path), "utf8");
    },
  };
}
