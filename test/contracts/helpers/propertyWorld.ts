import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { HDNodeWallet, id as keccakText } from "ethers";
import hre from "hardhat";
import { createVoucherSigner, type VoucherSigner } from "../../../src/voucher/createVoucherSigner";
import type { BalanceReader, ChannelEscrow, HookActor, HookedToken, TestToken } from "../../../typechain-types";
import { MAX_WINDOW, MIN_WINDOW } from "../fixture";

// The world of the owner-side property test (property.test.ts): an escrow, its token, and the
// parties, each holding only its own keys. A party is an EOA, or (with the hooked token) a
// HookActor contract driven by an EOA, so that its token hook can re-enter the escrow.

const { ethers } = hre;

export const MINT = 1_000_000n;
const MNEMONIC = "test test test test test test test test test test test junk";

/** A party: where its tokens and escrow balance live, how it sends, and the key it signs with. */
export type Party = {
  name: string;
  /** Holds its tokens and escrow balance (the EOA, or its HookActor). */
  address: string;
  /** Signs consents and authorisations as `address` (EOA parties only; a contract cannot sign). */
  key?: VoucherSigner;
  /** Sends a call to `to` as `address`; resolves to its logs, or null if it reverted. */
  send(to: string, data: string): Promise<Log[] | null>;
  /** The HookActor, for a party that is one. */
  actor?: HookActor;
};

export type World = {
  mode: "plain" | "hooked";
  token: TestToken | HookedToken;
  escrow: ChannelEscrow;
  escrowAddress: string;
  reader: BalanceReader;
  chainId: bigint;
  payers: Party[];
  /** Payer i's hot key signs its channels' vouchers. */
  hotKeys: VoucherSigner[];
  payees: Party[];
  /** The attacker's EOA and, with the hooked token, its HookActor: both are the attacker's money. */
  attacker: Party[];
  /** The attacker's own voucher-signing key (its channels' signer). */
  attackerKey: VoucherSigner;
  everyone: Party[];
};

/** The private key of Hardhat's account `i` (the default mnemonic), so its holder can sign typed data locally. */
function accountKey(i: number): string {
  return HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey;
}

/** A log as the node returns it. */
export type Log = { address: string; topics: string[]; data: string };

/**
 * Sends as `from` with two raw RPC calls (send, receipt) instead of ethers' four: the property
 * test sends over ten thousand transactions. Hardhat automines, and throws on a revert.
 */
async function rawSend(from: string, to: string, data: string): Promise<Log[] | null> {
  try {
    const hash = (await ethers.provider.send("eth_sendTransaction", [{ from, to, data, gas: "0x2dc6c0" }])) as string;
    const receipt = (await ethers.provider.send("eth_getTransactionReceipt", [hash])) as {
      status: string;
      logs: Log[];
    };
    return receipt.status === "0x1" ? receipt.logs : null;
  } catch {
    return null;
  }
}

function eoa(name: string, signer: HardhatEthersSigner, index: number, chainId: bigint, escrow: string): Party {
  const key = createVoucherSigner({ privateKey: accountKey(index), chainId, escrow });
  if (key.address.toLowerCase() !== signer.address.toLowerCase()) throw new Error(`account ${index} key mismatch`);
  return {
    name,
    address: signer.address,
    key,
    send: (to, data) => rawSend(signer.address, to, data),
  };
}

async function actorParty(name: string, operator: HardhatEthersSigner): Promise<Party> {
  const actor = await ethers.deployContract("HookActor", [], operator);
  const address = await actor.getAddress();
  return {
    name,
    address,
    actor,
    send: (to, data) => rawSend(operator.address, address, actor.interface.encodeFunctionData("forward", [to, data])),
  };
}

async function deploy(mode: World["mode"]): Promise<World> {
  const accounts = await ethers.getSigners();
  const token =
    mode === "plain"
      ? await ethers.deployContract("TestToken", ["Property BTT", "pBTT"])
      : await ethers.deployContract("HookedToken");
  const tokenAddress = await token.getAddress();
  const escrow = await ethers.deployContract("ChannelEscrow", [tokenAddress, MIN_WINDOW, MAX_WINDOW]);
  const escrowAddress = await escrow.getAddress();
  const reader = await ethers.deployContract("BalanceReader");
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const party = (name: string, i: number) => eoa(name, accounts[i], i, chainId, escrowAddress);

  const payers = [party("payer0", 20), party("payer1", 21)];
  const payees = [party("payee0", 30), party("payee1", 31)];
  const attacker = [party("attacker", 40)];
  if (mode === "hooked") {
    // Contract parties whose token hooks run around every transfer: an honest payer and payee
    // (hooks registered, never armed) and the attacker's own actor (armed at will).
    payers.push(await actorParty("payer2 (contract)", accounts[22]));
    payees.push(await actorParty("payee2 (contract)", accounts[32]));
    attacker.push(await actorParty("attacker (contract)", accounts[41]));
  } else {
    payers.push(party("payer2", 22));
    payees.push(party("payee2", 32));
  }
  const everyone = [...payers, ...payees, ...attacker];
  const approve = token.interface.encodeFunctionData("approve", [escrowAddress, ethers.MaxUint256]);
  for (const p of [...payers, ...attacker]) {
    await token.mint(p.address, MINT);
    if (!(await p.send(tokenAddress, approve))) throw new Error(`${p.name} could not approve`);
  }
  if (mode === "hooked") {
    for (const p of everyone.filter((x) => x.actor)) {
      if (!(await p.send(tokenAddress, (token as HookedToken).interface.encodeFunctionData("setHook", [p.address])))) {
        throw new Error(`${p.name} could not register its hook`);
      }
    }
  }
  const hotKeys = payers.map((_, i) =>
    createVoucherSigner({ privateKey: keccakText(`seedpay property: hot key ${i}`), chainId, escrow: escrowAddress }),
  );
  const attackerKey = createVoucherSigner({
    privateKey: keccakText("seedpay property: attacker key"),
    chainId,
    escrow: escrowAddress,
  });
  return {
    mode,
    token,
    escrow,
    escrowAddress,
    reader,
    chainId,
    payers,
    hotKeys,
    payees,
    attacker,
    attackerKey,
    everyone,
  };
}

export const plainWorld = (): Promise<World> => deploy("plain");
export const hookedWorld = (): Promise<World> => deploy("hooked");
