import { Interface, type Log } from "ethers";
import { ChannelEscrow__factory } from "../../typechain-types";
import type { EscrowEvent, EventMeta } from "./types";

const escrowInterface = new Interface(ChannelEscrow__factory.abi);

/** The topics of every escrow event, for log filters. */
export const ESCROW_EVENT_TOPICS: string[] = [
  "ChannelOpened",
  "ChannelToppedUp",
  "ChannelClaimed",
  "ChannelCloseStarted",
  "ChannelClosed",
  "Credited",
  "Withdrawn",
].map((name) => escrowInterface.getEvent(name)!.topicHash);

/**
 * A log's identity: its transaction and its position among that transaction's logs, which stay
 * the same on every re-read and when a reorg re-includes the transaction in another block (the
 * block-level log index does not).
 */
export function logId(transactionHash: string, positionInTx: number): string {
  return `${transactionHash}:${positionInTx}`;
}

/**
 * Decodes one escrow log; undefined for logs that are not escrow events. `positionInTx` is the
 * log's position among its transaction's logs (see logId).
 */
export function decodeEscrowLog(log: Log, positionInTx: number): EscrowEvent | undefined {
  const parsed = escrowInterface.parseLog({ topics: [...log.topics], data: log.data });
  if (!parsed) return undefined;
  const meta: EventMeta = {
    id: logId(log.transactionHash, positionInTx),
    blockNumber: BigInt(log.blockNumber),
    blockHash: log.blockHash,
    txHash: log.transactionHash,
    logIndex: log.index,
  };
  const a = parsed.args;
  switch (parsed.name) {
    case "ChannelOpened":
      return {
        ...meta,
        type: "ChannelOpened",
        channelId: a.id,
        payer: a.payer,
        payee: a.payee,
        signer: a.signer,
        disputeWindow: Number(a.disputeWindow),
        salt: a.salt,
        deposit: a.deposit,
      };
    case "ChannelToppedUp":
      return { ...meta, type: "ChannelToppedUp", channelId: a.id, deposit: a.deposit };
    case "ChannelClaimed":
      return { ...meta, type: "ChannelClaimed", channelId: a.id, claimed: a.claimed };
    case "ChannelCloseStarted":
      return { ...meta, type: "ChannelCloseStarted", channelId: a.id, closesAt: a.closesAt };
    case "ChannelClosed":
      return { ...meta, type: "ChannelClosed", channelId: a.id, claimed: a.claimed, refunded: a.refunded };
    case "Credited":
      return { ...meta, type: "Credited", account: a.account, amount: a.amount };
    case "Withdrawn":
      return { ...meta, type: "Withdrawn", account: a.account, to: a.to, amount: a.amount };
    default:
      return undefined;
  }
}
