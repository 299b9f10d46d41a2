import type { DevChain } from "../chain/DevChain";
import { accountRoute } from "./chainRoutes";
import { integer } from "./params";
import { constantCallRoutes } from "./transactionRoutes";
import type { Handler, Params } from "./params";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const numberOf = (block: any): number | undefined => block?.block_header?.raw_data?.number;

/**
 * java-tron's solidity node (`/walletsolidity/*`): the chain up to the newest solidified block,
 * `solidityDelay` blocks behind the head (TRON: a block is solid once 19 of the 27 super
 * representatives built on it). Blocks and transactions past it are unknown here, and constant
 * calls, energy estimates and accounts read the solid block's state, as java-tron's solidity API
 * reads the solidified database.
 */
export function solidityRoutes(chain: DevChain, wallet: Record<string, Handler>): Record<string, Handler> {
  const solid = () => chain.solidHead().number;
  const upToSolid =
    (handler: Handler): Handler =>
    async (p) => {
      const block = await handler(p);
      const n = numberOf(block);
      return n !== undefined && n > solid() ? {} : block;
    };
  const txUpToSolid =
    (handler: Handler): Handler =>
    async (p: Params) => {
      const tx = chain.txs.get(String(p.value ?? "").toLowerCase());
      return tx && tx.blockNumber > solid() ? {} : handler(p);
    };
  return {
    getnowblock: async () => {
      await chain.ensureFreshHead();
      return wallet.getblockbynum({ num: solid() });
    },
    getblock: async (p) => {
      if (p.id_or_num === undefined || p.id_or_num === "") {
        await chain.ensureFreshHead();
        return wallet.getblock({ ...p, id_or_num: String(solid()) });
      }
      return upToSolid(wallet.getblock)(p);
    },
    getblockbynum: upToSolid(wallet.getblockbynum),
    getblockbyid: upToSolid(wallet.getblockbyid),
    getblockbylimitnext: async (p) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const answer = (await wallet.getblockbylimitnext(p)) as { block?: any[] };
      const blocks = (answer.block ?? []).filter((b) => (numberOf(b) ?? 0) <= solid());
      return blocks.length ? { block: blocks } : {};
    },
    getblockbylatestnum: async (p) => {
      const n = integer(p, "num");
      const end = solid() + 1;
      const start = Math.max(0, end - n);
      return end > start ? wallet.getblockbylimitnext({ startNum: start, endNum: end }) : {};
    },
    getaccount: accountRoute(chain, () => chain.solidHead()),
    gettransactionbyid: txUpToSolid(wallet.gettransactionbyid),
    gettransactioninfobyid: txUpToSolid(wallet.gettransactioninfobyid),
    gettransactioninfobyblocknum: async (p) =>
      integer(p, "num") > solid() ? [] : wallet.gettransactioninfobyblocknum(p),
    ...constantCallRoutes(chain, () => chain.solidHead()),
  };
}
