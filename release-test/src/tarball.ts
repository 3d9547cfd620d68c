// What a published tarball holds: its file list and sizes, read with tar.
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";

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

/** Lists `tarball`. */
export function readTarball(tarball: string): TarballContents {
  const listing = execFileSync("tar", ["-tzvf", tarball], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  const files: string[] = [];
  let unpackedBytes = 0;
  for (const line of listing.split("\n")) {
    const match = /^\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+package\/(.+)$/.exec(line);
    if (!match) continue;
    unpackedBytes += Number(match[1]);
    files.push(match[2] as string);
  }
  return {
    files,
    packedBytes: statSync(tarball).size,
    unpackedBytes,
    read: (path) => execFileSync("tar", ["-xzOf", tarball, `package/${path}`], { encoding: "utf8" }),
  };
}
