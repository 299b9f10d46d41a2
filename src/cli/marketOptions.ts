/**
 * The one place where `seedpay seed` and `seedpay get` turn their market flags into
 * `attachPayments` parameters. A new market setting (auction slots, a reserve price, a budget) is
 * a flag added in `add…MarketOptions` and a field passed on in `sellerPayments` / `buyerPayments`;
 * the commands themselves pass the parsed options through untouched.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import type { Payee } from "../channel/payee";
import type { Payer } from "../channel/payer";
import type { ChannelRecord, VoucherStore } from "../store/types";
import type { AttachPaymentsParameters } from "../wire/attachPayments";
import type { Terms } from "../wire/messages";
import { piecePrice } from "../wire/pricing";
import { bttArg, secondsArg } from "./commandKit";
import { CliUsageError } from "./errors";
import { formatBtt, parseBtt } from "./format";

/** Pieces of credit a seller extends when --credit is not given: enough to keep a pipeline busy. */
export const DEFAULT_CREDIT_PIECES = 4n;
/** The shortest dispute window a seller accepts by default: the escrow's usual minimum, 1 h. */
export const DEFAULT_MIN_WINDOW = 3600;
/** The dispute window of the channels a buyer opens by default, 24 h (as `seedpay open`). */
export const DEFAULT_BUYER_WINDOW = 24 * 3600;

/** A price per MiB in BTT; zero is a valid price (the data is free, the channel still proves who pays). */
export function priceArg(value: string): bigint {
  const amount = parseBtt(value);
  if (amount === undefined) {
    throw new InvalidArgumentError("Expected a price in BTT per MiB with at most 18 decimals, e.g. 1 or 0.05.");
  }
  return amount;
}

/** Rounds of `seedpay seed --auction` last this long by default: BitTorrent's usual rechoke interval. */
export const DEFAULT_ROUND_SECONDS = 10;
/** Paid upload slots of `seedpay seed --auction` by default (BitTorrent's usual 4 unchoked peers). */
export const DEFAULT_SLOTS = 4;
/**
 * The price per MiB the default --credit of an auction with no reserve covers 4 pieces at: a
 * winner is served up to the credit before its voucher for a piece arrives, and it pays the
 * round's clearing price, unknown in advance. 1 BTT per MiB is far above what a piece costs in
 * the simulator's runs (bench/sim.json), so a winner is not stalled waiting for its own payment.
 */
export const DEFAULT_AUCTION_CREDIT_PRICE = 10n ** 18n;

export type SellerMarketOptions = {
  price?: bigint;
  credit?: bigint;
  minWindow: number;
  auction?: boolean;
  slots?: number;
  reserve?: bigint;
  round?: number;
};

const slotsArg = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 64) {
    throw new InvalidArgumentError("Expected a number of paid upload slots from 1 to 64, e.g. 4.");
  }
  return Number(value);
};

const roundArg = (value: string): number => {
  if (!/^\d+(\.\d{1,3})?$/.test(value) || Number(value) < 0.1 || Number(value) > 3600) {
    throw new InvalidArgumentError("Expected a round length in seconds from 0.1 to 3600, e.g. 10.");
  }
  return Number(value);
};

export function addSellerMarketOptions(command: Command): Command {
  return command
    .addOption(new Option("--price <btt>", "price per MiB of piece data, in BTT (0: free)").argParser(priceArg))
    .addOption(
      new Option(
        "--credit <btt>",
        "most unpaid value served to a buyer ahead of its vouchers (default: 4 pieces at --price)",
      ).argParser(bttArg),
    )
    .addOption(
      new Option("--min-window <seconds>", "shortest dispute window accepted on a buyer's channel")
        .argParser(secondsArg)
        .default(DEFAULT_MIN_WINDOW),
    )
    .option(
      "--auction",
      "sell upload slots by auction in bidding rounds instead of at --price (data outside a paid slot is free)",
    )
    .addOption(
      new Option("--slots <n>", `with --auction: paid upload slots each round (default ${DEFAULT_SLOTS})`).argParser(
        slotsArg,
      ),
    )
    .addOption(
      new Option(
        "--reserve <btt>",
        "with --auction: lowest price per MiB a slot sells at, in BTT (default 0)",
      ).argParser(priceArg),
    )
    .addOption(
      new Option(
        "--round <seconds>",
        `with --auction: length of a bidding round (default ${DEFAULT_ROUND_SECONDS})`,
      ).argParser(roundArg),
    );
}

/**
 * Refuses flag combinations `seedpay seed` cannot honour: --price with --auction, auction flags
 * without it, and neither a price nor an auction.
 */
export function checkSellerFlags(o: SellerMarketOptions): void {
  if (o.auction && o.price !== undefined) {
    throw new CliUsageError("--price and --auction cannot be used together", {
      metaMessages: [
        "An auction sells upload slots at each round's clearing price; data outside a paid slot is free.",
        "Drop --price, or give a floor with --reserve <btt per MiB>; or drop --auction to sell at a fixed --price.",
      ],
    });
  }
  const auctionOnly = (["slots", "reserve", "round"] as const).filter((k) => o[k] !== undefined);
  if (!o.auction && auctionOnly.length > 0) {
    throw new CliUsageError(`--${auctionOnly[0]} only applies to an auction`, {
      metaMessages: [`Add --auction to sell upload slots in bidding rounds, or drop --${auctionOnly.join(", --")}.`],
    });
  }
  if (!o.auction && o.price === undefined) {
    throw new CliUsageError("required option '--price <btt>' not specified", {
      metaMessages: [
        "The price per MiB buyers pay, in BTT, e.g. --price 0.5 (0 sells for free),",
        "or --auction to sell upload slots in bidding rounds.",
      ],
    });
  }
}

export type SellerContext = {
  payee: Payee;
  store: VoucherStore;
  chainId: bigint;
  escrow: string;
  token: string;
  /** The seller's wallet: the payee of every channel it accepts. */
  account: string;
  /** The torrent's piece length, bytes. */
  pieceBytes: number;
  log(line: string): void;
};

/** The seller's half of `attachPayments`' parameters; refuses a credit that cannot cover one piece. */
export function sellerPayments(
  o: SellerMarketOptions,
  c: SellerContext,
): NonNullable<AttachPaymentsParameters["seller"]> {
  checkSellerFlags(o);
  // An auction's winner pays a clearing price not known in advance: the default credit covers 4
  // pieces at the reserve, or at DEFAULT_AUCTION_CREDIT_PRICE when the reserve is 0 or lower.
  const reserve = o.reserve ?? 0n;
  const creditPrice = o.auction
    ? reserve > DEFAULT_AUCTION_CREDIT_PRICE
      ? reserve
      : DEFAULT_AUCTION_CREDIT_PRICE
    : o.price!;
  const floorPrice = o.auction ? reserve : o.price!;
  const onePiece = piecePrice(floorPrice, c.pieceBytes);
  const creditLimit = o.credit ?? piecePrice(creditPrice, c.pieceBytes) * DEFAULT_CREDIT_PIECES;
  if (creditLimit < onePiece) {
    throw new CliUsageError(
      `--credit ${formatBtt(creditLimit)} does not cover one piece (${c.pieceBytes / 1024} KiB at ${formatBtt(floorPrice)} per MiB = ${formatBtt(onePiece)})`,
      {
        metaMessages: [
          "A buyer pays for a piece once it has verified all of it, so the credit must cover at least one piece:",
          `pass --credit ${formatBtt(onePiece).replace(" BTT", "")} or more, or a smaller --piece-length.`,
        ],
      },
    );
  }
  const terms: Terms = {
    chainId: c.chainId,
    escrow: c.escrow,
    token: c.token,
    payee: c.account,
    // With an auction, data outside a paid slot is free: a winner pays its round's clearing price.
    pricePerMiB: o.auction ? 0n : o.price!,
    minDisputeWindow: o.minWindow,
    creditLimit,
  };
  const market = o.auction
    ? {
        slots: o.slots ?? DEFAULT_SLOTS,
        reservePerMiB: reserve,
        roundMs: Math.round((o.round ?? DEFAULT_ROUND_SECONDS) * 1000),
      }
    : undefined;
  return { payee: c.payee, store: c.store, terms, log: c.log, ...(market && { market }) };
}

export type BuyerMarketOptions = {
  maxPrice: bigint;
  deposit?: bigint;
  window: number;
  pay: boolean;
  budget?: bigint;
};

export function addBuyerMarketOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--max-price <btt>",
        "most this client pays per MiB, in BTT; dearer sellers are ordinary peers",
      ).argParser(priceArg),
    )
    .addOption(
      new Option(
        "--deposit <btt>",
        "deposit of each new channel to a seller (default: what the whole torrent costs at that seller's price; " +
          "to an auction seller, --budget)",
      ).argParser(bttArg),
    )
    .addOption(
      new Option(
        "--budget <btt>",
        "bid for upload slots at auction sellers: up to --max-price per MiB, at most this much BTT in all " +
          "(without it, auction sellers are ordinary peers)",
      ).argParser(bttArg),
    )
    .addOption(
      new Option("--window <seconds>", "dispute window of the channels it opens")
        .argParser(secondsArg)
        .default(DEFAULT_BUYER_WINDOW),
    )
    .option("--no-pay", "pay nobody: download as an ordinary BitTorrent peer (no key, no channel)");
}

export type BuyerContext = {
  payer: Payer;
  store: VoucherStore;
  chainId: bigint;
  escrow: string;
  channelFor(terms: Terms): Promise<ChannelRecord>;
  log(line: string): void;
};

/**
 * The buyer's half of `attachPayments`' parameters: pays for verified pieces, nothing ahead; with
 * --budget it bids its --max-price as is at auction sellers (truthful bidding is the best
 * strategy under a uniform clearing price, docs/market.md), never spending more than the budget.
 */
export function buyerPayments(o: BuyerMarketOptions, c: BuyerContext): NonNullable<AttachPaymentsParameters["buyer"]> {
  return {
    ...(o.budget !== undefined && { bidding: { maxPricePerMiB: o.maxPrice, budget: o.budget } }),
    payer: c.payer,
    store: c.store,
    limits: { chainId: c.chainId, escrow: c.escrow, maxPricePerMiB: o.maxPrice, disputeWindow: o.window },
    channelFor: c.channelFor,
    log: c.log,
  };
}
