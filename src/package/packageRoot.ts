import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * The directory holding seedpay's package.json: the repository in a checkout (sources run from
 * src/ through ts-node), the installed package's folder in an install (code runs from dist/src/).
 * Found by walking up from this file, so it is right at either depth.
 */
export const PACKAGE_ROOT = findPackageRoot(__dirname);

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "seedpay") {
      return dir;
    }
    if (path.dirname(dir) === dir) return path.resolve(start, "..", "..");
  }
}

/** seedpay's version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }).version;
}
