import type { DealState, DealStatus } from "./bondTypes";

/** The StorageBond's DealStatus enum, in order. */
const STATUSES: DealStatus[] = ["none", "offered", "active", "challenged", "slashed", "finished", "cancelled"];

/** `getDeal`'s result, decoded by ethers on either chain, as the adapters report it. */
export function toDealState(s: {
  status: bigint | number;
  acceptedAt: bigint;
  withdrawn: bigint;
  earned: bigint;
  challenges: bigint;
  challengedIndex: bigint;
  challengeDeadline: bigint;
}): DealState {
  return {
    status: STATUSES[Number(s.status)],
    acceptedAt: s.acceptedAt,
    withdrawn: s.withdrawn,
    earned: s.earned,
    challenges: s.challenges,
    challengedIndex: s.challengedIndex,
    challengeDeadline: s.challengeDeadline,
  };
}
