/** BEP 52 leaf size: every file is cut into 16 KiB blocks; the last one may be shorter. */
export const BLOCK_SIZE = 16_384;

/** SHA-256 digest size: leaves, nodes, `pieces root` and proof entries are all this long. */
export const HASH_SIZE = 32;

/** log2(BLOCK_SIZE). */
export const BLOCK_SIZE_LOG2 = 14;
