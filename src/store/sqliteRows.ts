import type {
  ChannelRecord,
  ChannelRole,
  ChannelStatus,
  ClaimRecord,
  ClaimStatus,
  IssuedVoucherRecord,
  ReceivedVoucherRecord,
} from "./types";

// Rows as SQLite returns them (see migrations.ts) and their mapping to records.

export type ChannelRow = {
  id: string;
  chain_id: number;
  escrow: string;
  role: string;
  payer: string;
  payee: string;
  signer: string;
  dispute_window: number;
  salt: string;
  status: string;
  deposit: string;
  claimed: string;
  closes_at: number | null;
  opened_tx: string | null;
  created_at: number;
  updated_at: number;
};

export type ReceivedVoucherRow = { channel_id: string; amount: string; signature: string; received_at: number };
export type IssuedVoucherRow = { channel_id: string; amount: string; reserved_at: number };
export type ClaimRow = {
  tx_ref: string;
  channel_id: string;
  amount: string;
  status: string;
  created_at: number;
  updated_at: number;
};

export function channelFromRow(r: ChannelRow): ChannelRecord {
  return {
    id: r.id,
    chainId: r.chain_id,
    escrow: r.escrow,
    role: r.role as ChannelRole,
    key: { payer: r.payer, payee: r.payee, signer: r.signer, disputeWindow: r.dispute_window, salt: BigInt(r.salt) },
    status: r.status as ChannelStatus,
    deposit: BigInt(r.deposit),
    claimed: BigInt(r.claimed),
    closesAt: r.closes_at,
    openedTx: r.opened_tx,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function channelToRow(c: ChannelRecord): ChannelRow {
  return {
    id: c.id,
    chain_id: c.chainId,
    escrow: c.escrow,
    role: c.role,
    payer: c.key.payer,
    payee: c.key.payee,
    signer: c.key.signer,
    dispute_window: c.key.disputeWindow,
    salt: c.key.salt.toString(),
    status: c.status,
    deposit: c.deposit.toString(),
    claimed: c.claimed.toString(),
    closes_at: c.closesAt,
    opened_tx: c.openedTx,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

export function receivedFromRow(r: ReceivedVoucherRow): ReceivedVoucherRecord {
  return {
    channelId: r.channel_id,
    cumulativeAmount: BigInt(r.amount),
    signature: r.signature,
    receivedAt: r.received_at,
  };
}

export function issuedFromRow(r: IssuedVoucherRow): IssuedVoucherRecord {
  return { channelId: r.channel_id, cumulativeAmount: BigInt(r.amount), reservedAt: r.reserved_at };
}

export function claimFromRow(r: ClaimRow): ClaimRecord {
  return {
    txRef: r.tx_ref,
    channelId: r.channel_id,
    amount: BigInt(r.amount),
    status: r.status as ClaimStatus,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
