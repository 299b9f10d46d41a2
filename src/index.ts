/**
 * seedpay: torrent clients paying each other in BTT for pieces and storage, settled on TRON.
 *
 * - **Vouchers**: {@link createVoucherSigner} and {@link createVoucherVerifier} sign and check the
 *   escrow's cumulative TIP-712 vouchers (and payees' close consents) byte for byte as ethers and
 *   TronWeb do, an order of magnitude faster.
 * - **Channels**: {@link Payer} opens channels and signs vouchers; {@link Payee} accepts channels,
 *   keeps every voucher durably before answering, and claims many channels in one transaction;
 *   {@link startWatchtower} answers unilateral closes while the payee is away.
 * - **Stores**: {@link SqliteStore} (durable) and {@link MemoryStore}, behind {@link VoucherStore}.
 * - **Chains**: {@link EvmChain} (ethers v6) and {@link TronChain} (TronWeb), behind
 *   {@link ChainAdapter}; {@link EvmBond} and {@link TronBond} for storage deals.
 * - **Storage**: BitTorrent v2 (BEP 52) merkle trees and proofs ({@link buildMerkleTree},
 *   {@link proveBlock}, {@link verifyBlockProof}) and the bond's challenge responder
 *   ({@link startResponder}).
 *
 * Contract ABIs and bytecode are in `seedpay/contracts`; the TRON development node in
 * `seedpay/devnode`. Errors are {@link SeedpayError}s: a short message, hints and details.
 *
 * @packageDocumentation
 */

// First, so an unsupported Node.js fails with a message naming the version, before any dependency loads.
import "./package/supportedNode";

export { createVoucherSigner } from "./voucher/createVoucherSigner";
export type {
  CreateVoucherSignerErrorType,
  CreateVoucherSignerParameters,
  CreateVoucherSignerReturnType,
  SignCloseAuthorizationErrorType,
  SignCloseAuthorizationParameters,
  SignCloseAuthorizationReturnType,
  SignCloseConsentErrorType,
  SignCloseConsentParameters,
  SignCloseConsentReturnType,
  SignVoucherErrorType,
  SignVoucherParameters,
  SignVoucherReturnType,
  VoucherSigner,
} from "./voucher/createVoucherSigner";
export { createVoucherVerifier } from "./voucher/createVoucherVerifier";
export type {
  CreateVoucherVerifierErrorType,
  CreateVoucherVerifierParameters,
  CreateVoucherVerifierReturnType,
  RecoverCloseConsentSignerErrorType,
  RecoverCloseConsentSignerParameters,
  RecoverCloseConsentSignerReturnType,
  RecoverVoucherSignerErrorType,
  RecoverVoucherSignerParameters,
  RecoverVoucherSignerReturnType,
  VerificationResult,
  VerifyCloseConsentErrorType,
  VerifyCloseConsentParameters,
  VerifyCloseConsentReturnType,
  VerifyVoucherErrorType,
  VerifyVoucherParameters,
  VerifyVoucherReturnType,
  VoucherVerifier,
} from "./voucher/createVoucherVerifier";
export { hashCloseAuthorization, hashCloseConsent, hashVoucher } from "./voucher/hashVoucher";
export type {
  HashCloseAuthorizationErrorType,
  HashCloseAuthorizationParameters,
  HashCloseAuthorizationReturnType,
  HashCloseConsentErrorType,
  HashCloseConsentParameters,
  HashCloseConsentReturnType,
  HashVoucherErrorType,
  HashVoucherParameters,
  HashVoucherReturnType,
} from "./voucher/hashVoucher";
export { escrowDomainSeparator, tip712ChainId } from "./voucher/escrowDomainSeparator";
export type {
  EscrowDomainSeparatorErrorType,
  EscrowDomainSeparatorParameters,
  EscrowDomainSeparatorReturnType,
} from "./voucher/escrowDomainSeparator";
export { normalizeAddress } from "./voucher/normalizeAddress";
export type { NormalizeAddressErrorType } from "./voucher/normalizeAddress";
export { toTronAddress } from "./voucher/toTronAddress";
export type { ToTronAddressErrorType } from "./voucher/toTronAddress";
export { getSecp256k1BackendName } from "./voucher/secp256k1Backend";
export type { Secp256k1BackendName } from "./voucher/secp256k1Backend";
export type { SignatureFailureReason, VerificationFailureReason } from "./voucher/failureReasons";
export {
  CLOSE_AUTHORIZATION_TYPES,
  CLOSE_CONSENT_TYPES,
  channelId,
  ESCROW_DOMAIN_NAME,
  ESCROW_DOMAIN_VERSION,
  escrowDomain,
  VOUCHER_TYPES,
} from "./voucher/typedData";
export type { ChannelKey } from "./voucher/typedData";
export type { Address, ByteInput, Hex } from "./voucher/types";
export { SeedpayError } from "./errors/base";
export type { SeedpayErrorOptions } from "./errors/base";
export {
  InvalidAddressError,
  InvalidAmountError,
  InvalidChainIdError,
  InvalidChannelIdError,
  InvalidDeadlineError,
  InvalidPrivateKeyError,
  InvalidSignatureError,
  Secp256k1BackendUnavailableError,
} from "./voucher/errors";
export type {
  InvalidAddressErrorType,
  InvalidAmountErrorType,
  InvalidChainIdErrorType,
  InvalidChannelIdErrorType,
  InvalidDeadlineErrorType,
  InvalidPrivateKeyErrorType,
  InvalidSignatureErrorType,
  Secp256k1BackendUnavailableErrorType,
} from "./voucher/errors";

// Durable store
export {
  SqliteStore,
  MemoryStore,
  SCHEMA_VERSION,
  StoreError,
  StoreVersionError,
  StoreOpenError,
  StoreWriteError,
  StoreClosedError,
  InvalidStoreInputError,
  UnknownChannelError,
  WrongChannelRoleError,
  ChannelConflictError,
  IssuedVoucherNotIncreasingError,
  ClaimConflictError,
} from "./store";
export type {
  VoucherStore,
  SqliteStoreOptions,
  MemoryStoreOptions,
  ChannelRecord,
  ChannelRole,
  ChannelStatus as StoredChannelStatus,
  ChannelStatePatch,
  UpsertChannelParameters,
  Voucher,
  ReceivedVoucherRecord,
  RecordReceivedVoucherReturnType,
  IssuedVoucherRecord,
  ClaimRecord,
  ClaimStatus,
  UpsertClaimParameters,
  ListChannelsParameters,
  ListUnclaimedChannelsParameters,
  ListClaimsParameters,
  UnclaimedChannel,
} from "./store";

// Chain adapters
export { EvmChain } from "./chain/evm/EvmChain";
export type { EvmChainParameters } from "./chain/evm/EvmChain";
export { MultiNodeProvider, NoNodeAnsweredError } from "./chain/evm/MultiNodeProvider";
export type { MultiNodeProviderParameters } from "./chain/evm/MultiNodeProvider";
export { RequestTimeoutError } from "./chain/withDeadline";
export { watchEscrowEvents } from "./chain/evm/watchEscrowEvents";
export { decodeEscrowLog, ESCROW_EVENT_TOPICS } from "./chain/events";
export { EscrowRevertedError, TransactionFailedError, decodeEscrowError, toSeedpayError } from "./chain/escrowErrors";
export type {
  ChainAdapter,
  ChannelState,
  ChannelStatus as OnChainChannelStatus,
  ClaimRequest,
  EscrowEvent,
  EventMeta,
  TxFee,
  TxResult,
  Unwatch,
  WatchEscrowEventsParameters,
} from "./chain/types";

// Channels: payer and payee state machines, pricing and credit policy
export { Payer, PaymentRefusedError } from "./channel/payer";
export type { OutgoingVoucher, PayerParameters } from "./channel/payer";
export { Payee, ChannelRefusedError } from "./channel/payee";
export type { PayeeParameters, ReceiveVoucherResult, VoucherRefusal } from "./channel/payee";
export { syncChannel } from "./channel/syncChannel";
export { startWatchtower, watchtowerCursorKey, WatchtowerCursorError } from "./channel/watchtower";
export { decideWatchtowerClaim } from "./channel/watchtowerDecision";
export type { WatchtowerDecision } from "./channel/watchtowerDecision";
export type {
  StartWatchtowerParameters,
  StartWatchtowerReturnType,
  Watchtower,
  WatchtowerClaimedChannel,
  WatchtowerEvent,
  WatchtowerGiveUpReason,
  WatchtowerPendingClaim,
  WatchtowerSkipReason,
  WatchtowerStatus,
} from "./channel/watchtowerTypes";
export { decideClaim, decideServe, nextVoucherAmount, priceOf, topUpNeeded } from "./channel/creditPolicy";
export type {
  ClaimDecision,
  ClaimDecisionParameters,
  ClaimPolicy,
  CreditPolicy,
  NextVoucherParameters,
  Price,
  ServeDecision,
  ServeDecisionParameters,
} from "./channel/creditPolicy";

// Storage: BEP 52 (BitTorrent v2) merkle trees, proofs and .torrent files
export {
  BLOCK_SIZE,
  HASH_SIZE,
  blockCountOf,
  treeDepth,
  expectedBlockLength,
  padHash,
  MerkleTreeBuilder,
  buildMerkleTree,
  proveBlock,
  proveBlockFromFile,
  verifyBlockProof,
  checkBlockProof,
  parseTorrent,
  readTorrentFile,
  decodeBencode,
  BencodeDecodeError,
  InvalidMerkleInputError,
  InvalidTorrentError,
} from "./storage";
export type { MerkleTree, BlockProof, Torrent, BencodeValue } from "./storage";

// Storage bonds: client actions and the provider's challenge responder
export { EvmBond, dealId } from "./chain/evm/EvmBond";
export type { EvmBondParameters } from "./chain/evm/EvmBond";
export { TronBond } from "./chain/tron/TronBond";
export type { TronBondParameters } from "./chain/tron/TronBond";
export type { TronClientParameters } from "./chain/tron/createTronClient";
export type { BondAdapter, ChallengeEvent, DealState, DealStatus, DealTerms } from "./chain/bondTypes";
export { startResponder, WrongFileError } from "./storage/bond/startResponder";
export type { StartResponderParameters } from "./storage/bond/startResponder";
export { checkDealFile, proveAcceptance, proveDealBlock } from "./storage/bond/dealFile";
export type { DealFile, WrongFileErrorType } from "./storage/bond/dealFile";
export { pollLogs } from "./chain/evm/pollLogs";
export type { PollLogsParameters } from "./chain/evm/pollLogs";
export { TronChain } from "./chain/tron/TronChain";
export type { TronChainParameters, TronReadOptions } from "./chain/tron/TronChain";
export type { ReadAt, TronTransaction } from "./chain/tron/sendContractCall";
export { TronHttp, TronHttpError, TRANSIENT_CODES } from "./chain/tron/tronHttp";
export type { TronHttpStats } from "./chain/tron/tronHttp";
export type { TronConnection } from "./chain/tron/tronConnection";
export { watchTronEscrowEvents, decodeTronEscrowEvent } from "./chain/tron/watchTronEscrowEvents";
export type { TronGridEvent, WatchTronEscrowEventsOptions } from "./chain/tron/watchTronEscrowEvents";
export { watchTronEvents } from "./chain/tron/watchTronEvents";
export type { WatchTronEventsOptions, WatchTronEventsParameters } from "./chain/tron/watchTronEvents";

// Bidding rounds: upload slots sold by a uniform-price auction (pure; the wire carries bids and rounds)
export {
  defaultMarketConfig,
  marketConfig,
  runAuction,
  runRound,
  initialSeederMarketState,
  placeBid,
  standingBids,
  pruneBids,
  penalize,
  isPenalized,
  prunePenalties,
  chooseOptimistic,
  NEWCOMER_WEIGHT,
  roundTieKey,
  tieBreakRank,
  planBids,
  InvalidBidError,
  InvalidBiddingStrategyError,
  InvalidMarketConfigError,
} from "./market";
export type {
  AuctionResult,
  BidBook,
  ChannelId,
  MarketConfig,
  Penalties,
  SealedBid,
  StandingBid,
  RunAuctionParameters,
  PlaceBidParameters,
  ChooseOptimisticParameters,
  OptimisticCandidate,
  OptimisticState,
  RoundOutcome,
  RoundPeer,
  RunRoundParameters,
  SeederMarketState,
  PlanBidsParameters,
  PlanBidsReturnType,
  PlannedBid,
  SeederView,
} from "./market";
// The torrent wire: sp_pay, a BEP 10 extension for WebTorrent / bittorrent-protocol (docs/wire.md)
export { attachPayments } from "./wire/attachPayments";
export type { AttachPaymentsParameters, AttachedPayments, PeerSessions } from "./wire/attachPayments";
export { SellerSession, MAX_HELD_REQUESTS } from "./wire/sellerSession";
export type { SellerContext, SellerMode, PeerControl, HeldRequest, RequestDecision } from "./wire/sellerSession";
export { BuyerSession } from "./wire/buyerSession";
export type { BuyerContext, BuyerMode } from "./wire/buyerSession";
export { PaidChoker, OPTIMISTIC_TICKS } from "./wire/paidChoker";
export { encodeMessage, decodeMessage, encodeTerms, decodeTerms } from "./wire/messages";
export type { Terms, WireMessage, WireMessageType } from "./wire/messages";
export { piecePrice, termsProblem } from "./wire/pricing";
export type { BuyerLimits } from "./wire/pricing";
export { WireMessageError } from "./wire/errors";
export type { WireMessageProblem } from "./wire/errors";
export { EXTENSION_NAME, PROTOCOL_VERSION, MAX_MESSAGE_BYTES, STRIKE_LIMIT } from "./wire/constants";
export { createTorrentClient, loadWebTorrent } from "./wire/loadWebTorrent";
// Bidding rounds on the wire: the seller's market and the buyer's bidder (docs/market.md, "On the wire")
export { SellerMarket } from "./wire/sellerMarket";
export type { SellerMarketOptions, RoundRecord, MarketChoker } from "./wire/sellerMarket";
export { Bidder, BID_ROUNDS, DEFAULT_MIB_PER_ROUND } from "./wire/bidder";
export type { BiddingOptions, BidderView } from "./wire/bidder";
export { auctionTermsProblem } from "./wire/pricing";
export { MAX_BID_ROUNDS, MIN_ROUND_MS, MAX_SLOTS } from "./wire/messages";
export type { AuctionTerms } from "./wire/messages";
export type { SlotCharge } from "./wire/slotCharges";
export type { SlotState, BidRefusal } from "./wire/sellerSession";
export type { RoundSeen } from "./wire/buyerSession";
export type { OptimisticPicker } from "./wire/paidChoker";
