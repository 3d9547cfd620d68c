// Finds a server binary on PATH, or fails with the Debian package that provides it.
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** Absolute path of `name` on PATH; throws naming the Debian package to install when it is missing. */
export function requireBinary(name: string, debianPackage: string): string {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(
    `${name} is not on PATH; the tests start their own ${name}. Install it with: ` +
      `apt-get install -y ${debianPackage} (Debian package "${debianPackage}")`,
  );
}
