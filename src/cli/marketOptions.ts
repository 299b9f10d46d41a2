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

export type SellerMarketOptions = { price: bigint; credit?: bigint; minWindow: number };

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
    );
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
  const onePiece = piecePrice(o.price, c.pieceBytes);
  const creditLimit = o.credit ?? onePiece * DEFAULT_CREDIT_PIECES;
  if (creditLimit < onePiece) {
    throw new CliUsageError(
      `--credit ${formatBtt(creditLimit)} does not cover one piece (${c.pieceBytes / 1024} KiB at ${formatBtt(o.price)} per MiB = ${formatBtt(onePiece)})`,
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
    pricePerMiB: o.price,
    minDisputeWindow: o.minWindow,
    creditLimit,
  };
  return { payee: c.payee, store: c.store, terms, log: c.log };
}

export type BuyerMarketOptions = { maxPrice: bigint; deposit?: bigint; window: number; pay: boolean };

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
        "deposit of each new channel to a seller (default: what the whole torrent costs at that seller's price)",
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

/** The buyer's half of `attachPayments`' parameters: pays for verified pieces, nothing ahead. */
export function buyerPayments(o: BuyerMarketOptions, c: BuyerContext): NonNullable<AttachPaymentsParameters["buyer"]> {
  return {
    payer: c.payer,
    store: c.store,
    limits: { chainId: c.chainId, escrow: c.escrow, maxPricePerMiB: o.maxPrice, disputeWindow: o.window },
    channelFor: c.channelFor,
    log: c.log,
  };
}
