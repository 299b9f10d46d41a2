export { startDevnode, SHASTA_CHAIN_ID } from "./startDevnode";
export type { Devnode, StartDevnodeOptions } from "./startDevnode";
export type { DevAccount } from "./devAccounts";
export { DEV_MNEMONIC, TRON_HD_PATH } from "./devAccounts";
export { estimateTronEnergy } from "./energy/estimateTronEnergy";
export type { EstimateTronEnergyOptions, TronEnergyEstimate } from "./energy/estimateTronEnergy";
export { ENERGY } from "./energy/energyTable";
export type { EnergyBreakdown } from "./energy/priceTrace";
export type { Eip1193Provider } from "./evm";
