/**
 * Node.js versions seedpay runs on: what package.json's `engines` says (">=20 <21 || >=22") and
 * what better-sqlite3 12 and Hardhat 2 are built for. npm only warns about `engines` unless
 * engine-strict is set, so the library and the CLI check again when they start.
 */
export const SUPPORTED_NODE = "20, or 22 and later";

/** True when a Node.js version string ("v20.11.0" or "20.11.0") is one seedpay runs on. */
export function isSupportedNode(version: string): boolean {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  return major === 20 || major >= 22;
}

/** The error an unsupported Node.js gets, naming the running version and what to install. */
export function unsupportedNodeMessage(version: string): string {
  return `seedpay needs Node.js ${SUPPORTED_NODE}; this is Node.js ${version.replace(/^v?/, "")}: install a supported version (e.g. nvm install 20)`;
}

if (!isSupportedNode(process.versions.node)) throw new Error(unsupportedNodeMessage(process.versions.node));
