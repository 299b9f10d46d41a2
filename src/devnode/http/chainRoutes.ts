import { keccak256 } from "ethers";
import { toHex41 } from "../address";
import type { DevChain } from "../chain/DevChain";
import { blockJson } from "../chain/records";
import type { TronBlock } from "../chain/records";
import { address, flag, HandlerError, integer } from "./params";
import type { Handler, Params } from "./params";

/** java-tron version the devnode reports (TronWeb gates a few calls on it). */
export const CODE_VERSION = "4.8.0";

/**
 * Chain parameters as /wallet/getchainparameters lists them. The ones the devnode acts on:
 * getEnergyFee (sun per energy), getMaxFeeLimit, and the TVM switches, which describe the EVM
 * rules it runs (London; no Shanghai/Cancun opcodes). The others are Shasta-like and inert.
 */
function chainParameters(energyFee: number) {
  const list: [string, number][] = [
    ["getMaintenanceTimeInterval", 600000],
    ["getAccountUpgradeCost", 9999000000],
    ["getCreateAccountFee", 100000],
    ["getTransactionFee", 1000],
    ["getAssetIssueFee", 1024000000],
    ["getCreateNewAccountFeeInSystemContract", 1000000],
    ["getCreateNewAccountBandwidthRate", 1],
    ["getAllowCreationOfContracts", 1],
    ["getEnergyFee", energyFee],
    ["getMaxCpuTimeOfOneTx", 80],
    ["getAllowTvmTransferTrc10", 1],
    ["getAllowMultiSign", 1],
    ["getAllowTvmConstantinople", 1],
    ["getAllowTvmSolidity059", 1],
    ["getAllowTvmIstanbul", 1],
    ["getAllowTvmLondon", 1],
    ["getAllowTvmShangHai", 0],
    ["getAllowTvmCancun", 0],
    ["getAllowTvmFreeze", 1],
    ["getAllowTvmVote", 1],
    ["getAllowTvmCompatibleEvm", 0],
    ["getAllowDynamicEnergy", 0],
    ["getAllowHigherLimitForMaxCpuTimeOfOneTx", 1],
    ["getAllowOptimizedReturnValueOfChainId", 1],
    ["getMaxFeeLimit", 15000000000],
    ["getTotalEnergyLimit", 180000000000],
    ["getTotalEnergyCurrentLimit", 180000000000],
    ["getMemoFee", 1000000],
    ["getAllowNewResourceModel", 1],
    ["getUnfreezeDelayDays", 14],
  ];
  return { chainParameter: list.map(([key, value]) => ({ key, value })) };
}

/** /wallet/getaccount on the state of block `at()`: the head (full node) or the solid block (solidity node). */
export function accountRoute(chain: DevChain, at: () => TronBlock | undefined): Handler {
  return async (p) => {
    const a = address(p, "address");
    const block = at();
    if (!(await chain.queue.run(() => chain.accountExists(a, block)))) return {};
    const balance = await chain.balanceAt(a, block);
    return {
      address: toHex41(a),
      ...(balance ? { balance: Number(balance) } : {}),
      create_time: chain.created.get(a) ?? chain.blocks[0].timestamp,
      ...(chain.contractAt(a, block) ? { type: "Contract" } : {}),
      account_resource: {},
    };
  };
}

export function chainRoutes(chain: DevChain): Record<string, Handler> {
  const withTxs = (b: TronBlock, detail = true) =>
    blockJson(b, detail ? b.txIds.map((id) => chain.txs.get(id)).filter((t) => t !== undefined) : undefined);
  const byNum = (n: number) => (n >= 0 && n < chain.blocks.length ? chain.blocks[n] : undefined);
  const byId = (id: unknown) => {
    if (typeof id !== "string" || !/^[0-9a-fA-F]{64}$/.test(id)) return undefined;
    const b = byNum(parseInt(id.slice(0, 16), 16));
    return b && b.id === id.toLowerCase() ? b : undefined;
  };

  const getNowBlock: Handler = async () => {
    await chain.ensureFreshHead();
    return withTxs(chain.head());
  };
  const getBlockByNum: Handler = async (p) => {
    const b = byNum(integer(p, "num"));
    return b ? withTxs(b) : {};
  };
  const getBlock: Handler = async (p: Params) => {
    const detail = flag(p, "detail");
    const idOrNum = p.id_or_num;
    if (idOrNum === undefined || idOrNum === "") {
      await chain.ensureFreshHead();
      return withTxs(chain.head(), detail);
    }
    const s = String(idOrNum);
    const b = /^\d+$/.test(s) ? byNum(Number(s)) : byId(s);
    return b ? withTxs(b, detail) : {};
  };
  const getBlockById: Handler = async (p) => {
    const b = byId(p.value);
    return b ? withTxs(b) : {};
  };
  const getBlockByLimitNext: Handler = async (p) => {
    const start = integer(p, "startNum");
    const end = integer(p, "endNum");
    if (end <= start || end - start > 100)
      throw new HandlerError("endNum must be > startNum and at most 100 blocks further");
    const blocks = chain.blocks.slice(Math.max(0, start), end).map((b) => withTxs(b));
    return blocks.length ? { block: blocks } : {};
  };
  const getBlockByLatestNum: Handler = async (p) => {
    const n = integer(p, "num");
    if (n <= 0 || n > 100) throw new HandlerError("num must be between 1 and 100");
    return { block: chain.blocks.slice(-n).map((b) => withTxs(b)) };
  };

  const getAccount = accountRoute(chain, () => undefined);

  // No staking: every account has the daily free bandwidth and no energy of its own, so contract
  // calls burn TRX for energy (fee), as an unstaked account's do on TRON.
  const resources =
    (energy: boolean): Handler =>
    async (p) => {
      const a = address(p, "address");
      if (!(await chain.queue.run(() => chain.accountExists(a)))) return {};
      return {
        freeNetLimit: 600,
        TotalNetLimit: 43_200_000_000,
        TotalNetWeight: 26_000_000_000,
        ...(energy ? { TotalEnergyLimit: 180_000_000_000, TotalEnergyWeight: 19_000_000_000 } : {}),
      };
    };

  const smartContract = async (p: Params) => {
    const a = address(p, "value");
    const c = chain.contracts.get(a);
    if (!c) return undefined;
    const code = (await chain.queue.run(() => chain.evm.code(a))).slice(2);
    const json: Record<string, unknown> = {
      origin_address: toHex41(c.origin),
      contract_address: toHex41(a),
      abi: { entrys: c.abi },
      bytecode: code,
    };
    if (c.consumeUserResourcePercent) json.consume_user_resource_percent = c.consumeUserResourcePercent;
    if (c.name) json.name = c.name;
    if (c.originEnergyLimit) json.origin_energy_limit = c.originEnergyLimit;
    json.code_hash = keccak256("0x" + code).slice(2);
    return { json, code };
  };
  const getContract: Handler = async (p) => (await smartContract(p))?.json ?? {};
  const getContractInfo: Handler = async (p) => {
    const c = await smartContract(p);
    return c ? { runtimecode: c.code, smart_contract: c.json, contract_state: { update_cycle: 0 } } : {};
  };

  const getNodeInfo: Handler = async () => {
    const head = chain.head();
    return {
      beginSyncNum: head.number,
      block: `Num:${head.number},ID:${head.id}`,
      solidityBlock: `Num:${chain.solidHead().number},ID:${chain.solidHead().id}`,
      currentConnectCount: 0,
      activeConnectCount: 0,
      passiveConnectCount: 0,
      totalFlow: 0,
      peerInfoList: [],
      configNodeInfo: {
        codeVersion: CODE_VERSION,
        p2pVersion: String(chain.options.chainId),
        versionNum: "18306",
        supportConstant: true,
        activeNodeSize: 0,
        passiveNodeSize: 0,
        sendNodeSize: 0,
        maxConnectCount: 0,
        sameIpMaxConnectCount: 0,
        backupListenPort: 0,
        backupMemberSize: 0,
        backupPriority: 0,
        dbVersion: 2,
        minParticipationRate: 0,
        discoverEnable: false,
      },
      machineInfo: {},
      cheatWitnessInfoMap: {},
    };
  };

  // Read per request: the price can change while the node runs (Devnode.setEnergyPrice), as a
  // committee proposal changes it on TRON.
  const energyFee = () => chain.options.energyPrice;
  return {
    getnowblock: getNowBlock,
    getblockbynum: getBlockByNum,
    getblock: getBlock,
    getblockbyid: getBlockById,
    getblockbylimitnext: getBlockByLimitNext,
    getblockbylatestnum: getBlockByLatestNum,
    getaccount: getAccount,
    getaccountnet: resources(false),
    getaccountresource: resources(true),
    getcontract: getContract,
    getcontractinfo: getContractInfo,
    getchainparameters: async () => chainParameters(energyFee()),
    getnodeinfo: getNodeInfo,
    getenergyprices: async () => ({ prices: `0:${energyFee()}` }),
    getbandwidthprices: async () => ({ prices: "0:1000" }),
  };
}
