import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { type Contract, type Interface } from "ethers";
import hre from "hardhat";
import type { HookActor, HookedToken, StorageBond } from "../../../typechain-types";
import { MINT } from "./fixture";

const { ethers } = hre;

/**
 * A StorageBond over HookedToken (sender hook before moving, recipient hook after, optional silent
 * failures and fees), with parties that are HookActor contracts: each holds tokens, approved the
 * bond, and registered itself as its own hook, so it can re-enter from inside any transfer.
 */
export type HookedWorld = {
  token: HookedToken;
  bond: StorageBond;
  bondAddress: string;
  /** Signs the actors' forwarded calls (HookActor has no access control). */
  driver: HardhatEthersSigner;
  client: HookActor;
  provider: HookActor;
  keeper: HookActor;
};

/** A HookActor holding MINT tokens, approved for `spender`, its own hook on `token`. */
export async function hookActor(token: HookedToken, spender: string): Promise<HookActor> {
  const actor = await ethers.deployContract("HookActor");
  const address = await actor.getAddress();
  await token.mint(address, MINT);
  await actor.forward(await token.getAddress(), token.interface.encodeFunctionData("approve", [spender, MINT * 4n]));
  await actor.forward(await token.getAddress(), token.interface.encodeFunctionData("setHook", [address]));
  return actor;
}

export async function deployHookedWorld(bondFactory?: (token: string) => Promise<Contract>): Promise<HookedWorld> {
  const [driver] = await ethers.getSigners();
  const token = await ethers.deployContract("HookedToken");
  const bond = (bondFactory
    ? await bondFactory(await token.getAddress())
    : await ethers.deployContract("StorageBond", [await token.getAddress()])) as unknown as StorageBond;
  const bondAddress = await bond.getAddress();
  const [client, provider, keeper] = [
    await hookActor(token, bondAddress),
    await hookActor(token, bondAddress),
    await hookActor(token, bondAddress),
  ];
  return { token, bond, bondAddress, driver, client, provider, keeper };
}

/** Calldata of `fn(args)` on a contract with interface `iface`. */
export function call(iface: Interface, fn: string, args: unknown[]): string {
  return iface.encodeFunctionData(fn, args);
}

/** `actor` calls the bond's `fn(args)` (as msg.sender). */
export function actorCalls(
  w: Pick<HookedWorld, "bond" | "bondAddress">,
  actor: HookActor,
  fn: string,
  args: unknown[],
) {
  return actor.forward(w.bondAddress, call(w.bond.interface, fn, args));
}

/**
 * Arms `actor` to run the bond's `fn(args)` from its next hook: before its tokens move (`onSend`),
 * or after it received some. With `swallow` a failing hook call is ignored; otherwise it reverts the
 * transfer, as a hook that refuses a payment does.
 */
export async function armBond(
  w: Pick<HookedWorld, "bond" | "bondAddress">,
  actor: HookActor,
  fn: string,
  args: unknown[],
  { onSend, swallow }: { onSend: boolean; swallow: boolean },
): Promise<void> {
  await actor.arm(w.bondAddress, call(w.bond.interface, fn, args), onSend, swallow);
}

/** Arms `actor` so that its next received payment reverts (its hook calls something that fails). */
export async function armRefusal(w: Pick<HookedWorld, "bond" | "bondAddress">, actor: HookActor): Promise<void> {
  // withdraw(address(0), 0) always reverts: InvalidTerms("recipient is the zero address").
  await armBond(w, actor, "withdraw", [ethers.ZeroAddress, 0n], { onSend: false, swallow: false });
}
