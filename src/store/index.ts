export type {
  ChannelRecord,
  ChannelRole,
  ChannelStatePatch,
  ChannelStatus,
  ClaimRecord,
  ClaimStatus,
  IssuedVoucherRecord,
  ListChannelsParameters,
  ListClaimsParameters,
  ListUnclaimedChannelsParameters,
  ReceivedVoucherRecord,
  RecordReceivedVoucherReturnType,
  UnclaimedChannel,
  UpsertChannelParameters,
  UpsertClaimParameters,
  Voucher,
  VoucherStore,
} from "./types";
export {
  ChannelConflictError,
  ClaimConflictError,
  InvalidStoreInputError,
  IssuedVoucherNotIncreasingError,
  StoreClosedError,
  StoreError,
  StoreOpenError,
  StoreVersionError,
  StoreWriteError,
  UnknownChannelError,
  WrongChannelRoleError,
} from "./errors";
export { MemoryStore, type MemoryStoreOptions } from "./memoryStore";
export { SqliteStore, type SqliteStoreOptions } from "./sqliteStore";
export { SCHEMA_VERSION } from "./migrations";
