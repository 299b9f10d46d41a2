/**
 * What a seller charged one channel in one round of its auction: the round's price per MiB,
 * applied to each piece whose first block it sent during the round.
 */
export type SlotCharge = {
  round: number;
  pricePerMiB: bigint;
  pieces: number;
  bytes: number;
  /** Sum of the pieces' prices, ceil(bytes × price / 2^20) each. */
  amount: bigint;
};
