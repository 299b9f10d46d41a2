import { open } from "node:fs/promises";
import { InvalidMerkleInputError } from "./errors";
import { MerkleTreeBuilder, type MerkleTree } from "./MerkleTreeBuilder";

/** A file path, the whole file in memory, or its bytes in order (a Node Readable is an async iterable). */
export type MerkleSource = string | Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export type BuildMerkleTreeOptions = {
  /** Also return the leaf hashes (32 bytes per 16 KiB block), needed for proofs. Default false. */
  keepLeaves?: boolean;
};

export type BuildMerkleTreeReturnType = MerkleTree;

// A multiple of 16 KiB, so whole blocks hash straight from the read buffer.
const READ_SIZE = 1 << 20;

/**
 * BEP 52 tree of one file, streamed: the file is never held in memory, only the leaf hashes
 * when `keepLeaves` is set (128 MiB for a 64 GiB file) and otherwise ~log2(n) subtree roots.
 */
export async function buildMerkleTree(
  source: MerkleSource,
  options: BuildMerkleTreeOptions = {},
): Promise<BuildMerkleTreeReturnType> {
  if (typeof source === "string") return buildFromPath(source, options);
  if (source instanceof Uint8Array) {
    return new MerkleTreeBuilder({ ...options, expectedLength: source.length }).update(source).digest();
  }
  if (source === null || typeof source !== "object" || !(Symbol.asyncIterator in source || Symbol.iterator in source)) {
    throw new InvalidMerkleInputError({
      parameter: "source",
      value: source,
      reason: "not a path, bytes, or an iterable of byte chunks",
      hint: "Pass a file path, a Buffer, a Node Readable, or an (async) iterable of Buffers.",
    });
  }
  const builder = new MerkleTreeBuilder(options);
  for await (const chunk of source) builder.update(chunk);
  return builder.digest();
}

/** Why a path cannot be read, in words a user can act on (the code is kept for scripts). */
const UNREADABLE: Record<string, string> = {
  ENOENT: "no such file",
  EISDIR: "it is a directory, not a file",
  EACCES: "permission denied",
  EPERM: "permission denied",
};

async function buildFromPath(path: string, options: BuildMerkleTreeOptions): Promise<MerkleTree> {
  let file;
  try {
    file = await open(path, "r");
    // A directory opens on Linux; reading it fails with EISDIR: find out before hashing.
    if ((await file.stat()).isDirectory()) throw Object.assign(new Error("directory"), { code: "EISDIR" });
  } catch (error) {
    await file?.close();
    const code = (error as { code?: string }).code ?? "";
    throw new InvalidMerkleInputError({
      parameter: "path",
      value: path,
      reason: `cannot read it: ${UNREADABLE[code] ?? "unreadable"}${code ? ` (${code})` : ""}`,
      hint: "Give the path of the file itself (relative paths start from the current directory).",
    });
  }
  try {
    const { size } = await file.stat();
    const builder = new MerkleTreeBuilder({ ...options, expectedLength: size });
    // Two buffers: the next read runs while the current one is hashed.
    const buffers = [Buffer.allocUnsafe(READ_SIZE), Buffer.allocUnsafe(READ_SIZE)];
    let turn = 0;
    let reading = file.read(buffers[turn], 0, READ_SIZE, null);
    for (;;) {
      const { bytesRead, buffer } = await reading;
      if (bytesRead === 0) break;
      turn ^= 1;
      reading = file.read(buffers[turn], 0, READ_SIZE, null);
      builder.update(buffer.subarray(0, bytesRead));
    }
    return builder.digest();
  } finally {
    await file.close();
  }
}
