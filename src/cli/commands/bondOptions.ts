import { Option } from "commander";

/** What every deal command takes: the bond (optional) and the terms file. */
export type Common = { bond?: string; terms: string };
export const bondOption = () =>
  new Option("--bond <address>", "StorageBond address, any form (env SEEDPAY_BOND; default: deployment file)");
export const termsOption = () =>
  new Option("--terms <file>", "the deal's terms file (from `bond offer --terms-out`)").makeOptionMandatory();
