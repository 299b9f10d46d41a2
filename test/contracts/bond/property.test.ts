import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { Interface, type TransactionReceipt } from "ethers";
import hre from "hardhat";
import { StorageBond__factory, type BondLens, type HookActor, type StorageBond } from "../../../typechain-types";
import { BLOCK_SIZE, seededBytes } from "./bep52";
import { createRandom } from "../../../scripts/sim/random";
import {
  earnedAt,
  FILE,
  lastBlockOf,
  makeFile,
  MIN_RESPONSE_WINDOW,
  MINT,
  SLASH_REWARD_BPS,
  type TestFile,
  type Terms,
} from "./fixture";
import { deployHookedWorld, hookActor } from "./hooked";

// StorageBond's money, from the side of whoever owns it. Random operations by a client, two
// providers (one diligent, who holds the files and answers every challenge at once; one lazy, who
// may miss), a keeper, and an attacker who holds only its own keys and calls every entry point with
// arbitrary arguments. After every step, with each party's wealth = its wallet + its balance on the
// bond:
//  - the diligent provider never loses a bond: none of its deals is ever slashed, and it holds at
//    least what it started with, less the bonds of its open deals, plus price and answered fees of
//    its finished ones (the lazy one loses at most the bonds of the deals it missed);
//  - no client (the client, or the attacker when it offers) has paid more than what it is entitled
//    to pay: the price earned over time (all of it at the end, up to the missed challenge when
//    slashed) plus the fees of answered challenges, less the bond when slashed; while a deal is open,
//    what it put in;
//  - the attacker, and the keeper, end with no more than they put in plus the keeper's reward (at
//    most 5% of the bond) of deals they slashed;
//  - the bond holds at least everything it owes: open escrow of every deal plus every credited
//    balance, and what it says it owes (owed()) is exactly that.
// Facts about deals (accepted when, challenged when, answered) are read from the bond's events;
// entitlements are computed from those facts by the deal's rules, not by the contract's arithmetic.
// Plain TestToken with EOAs, then HookedToken (random silent failures) with HookActor parties whose
// hooks re-enter randomly. BOND_PROPERTY_OPS sets the total number of operations (default 10,000),
// BOND_PROPERTY_SEED the seed.

const { ethers } = hre;
/** Under `npm run coverage` (instrumented, several times slower) a shorter run: coverage, not the property, is measured there. */
const COVERAGE = (hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING === true;
const TOTAL_OPS = Number(process.env.BOND_PROPERTY_OPS ?? (COVERAGE ? 1_000 : 10_000));
const SEED = Number(process.env.BOND_PROPERTY_SEED ?? 8);
const OPS_PER_RUN = 250;

/** The simulator's seeded PRNG (mulberry32), so a failing sequence replays from its seed. */
function prng(seed: number) {
  const { next, int } = createRandom(seed);
  return {
    next,
    int,
    chance: (p: number) => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[int(xs.length)],
    big: (max: bigint) => (BigInt(int(1 << 30)) * BigInt(int(1 << 30)) + BigInt(int(1 << 30))) % (max + 1n),
  };
}
type Rng = ReturnType<typeof prng>;

type Status = "offered" | "active" | "challenged" | "slashed" | "finished" | "cancelled";
type Deal = {
  t: Terms;
  status: Status;
  acceptedAt: bigint;
  made: bigint;
  answered: bigint;
  withdrawn: bigint;
  deadline: bigint;
  challengedAt: bigint;
  index: number;
  slashedBy?: string;
};

/** A party: sends bond calls as itself (an EOA, or a HookActor forwarding them). */
type Party = {
  name: string;
  address: string;
  actor?: HookActor;
  /** The receipt, or undefined if the call was refused (nothing was mined). */
  call(fn: string, args: unknown[]): Promise<TransactionReceipt | undefined>;
  donate(amount: bigint): Promise<TransactionReceipt | undefined>;
};

type World = {
  bond: StorageBond;
  bondAddress: string;
  lens: BondLens;
  tokenAddress: string;
  client: Party;
  diligent: Party;
  lazy: Party;
  keeper: Party;
  attacker: Party;
  hooked: boolean;
};

const bondInterface = new Interface(StorageBond__factory.abi);
/** Calldata of the bond's `fn(args)`, any entry point by name. */
const encode = (fn: string, args: readonly unknown[]) => {
  stats.calls++;
  return bondInterface.encodeFunctionData(fn, args);
};

/** Fails with `message()` unless `ok`: a chai assertion per deal per step would dominate the run time. */
function check(ok: boolean, message: () => string): void {
  if (!ok) expect.fail(message());
}

/** Calls made to the bond (sent or refused), and what they did. */
const stats = { calls: 0, refused: 0, mined: 0, events: {} as Record<string, number> };

async function mined(
  send: Promise<{ wait(): Promise<TransactionReceipt | null> }>,
): Promise<TransactionReceipt | undefined> {
  try {
    const receipt = (await (await send).wait()) ?? undefined;
    stats.mined++;
    return receipt;
  } catch {
    stats.refused++;
    return undefined; // refused at estimation: nothing was sent
  }
}

async function plainWorld(): Promise<World> {
  const signers = await ethers.getSigners();
  const token = await ethers.deployContract("TestToken", ["Test BTT", "tBTT"]);
  const bond = await ethers.deployContract("StorageBond", [await token.getAddress()]);
  const bondAddress = await bond.getAddress();
  const party = async (name: string, i: number): Promise<Party> => {
    const s = signers[i];
    await token.mint(s.address, MINT);
    await token.connect(s).approve(bondAddress, ethers.MaxUint256);
    return {
      name,
      address: s.address,
      call: (fn, args) => mined(s.sendTransaction({ to: bondAddress, data: encode(fn, args) })),
      donate: (amount) => mined(token.connect(s).transfer(bondAddress, amount)),
    };
  };
  return {
    bond,
    bondAddress,
    lens: await ethers.deployContract("BondLens"),
    tokenAddress: await token.getAddress(),
    client: await party("client", 1),
    diligent: await party("diligent provider", 2),
    lazy: await party("lazy provider", 3),
    keeper: await party("keeper", 4),
    attacker: await party("attacker", 5),
    hooked: false,
  };
}

async function hookedWorld(): Promise<World> {
  const w = await deployHookedWorld();
  const [, , , , , , attackerKeys] = await ethers.getSigners();
  // The attacker's own hooked contract, deployed and funded from its own keys.
  const attacker = await hookActor(w.token.connect(attackerKeys), w.bondAddress);
  const lazy = await hookActor(w.token, w.bondAddress);
  await w.token.setLoss(1_500, 0, ethers.id("hooked property"));
  const party = async (name: string, actor: HookActor): Promise<Party> => ({
    name,
    address: await actor.getAddress(),
    actor,
    call: (fn, args) => mined(actor.forward(w.bondAddress, encode(fn, args))),
    donate: (amount) =>
      mined(
        actor.forward(w.token.getAddress(), w.token.interface.encodeFunctionData("transfer", [w.bondAddress, amount])),
      ),
  });
  return {
    bond: w.bond,
    bondAddress: w.bondAddress,
    lens: await ethers.deployContract("BondLens"),
    tokenAddress: await w.token.getAddress(),
    client: await party("client", w.client),
    diligent: await party("diligent provider", w.provider),
    lazy: await party("lazy provider", lazy),
    keeper: await party("keeper", w.keeper),
    attacker: await party("attacker", attacker),
    hooked: true,
  };
}

/** The files the providers hold (the diligent one holds all of them). */
const FILES: TestFile[] = [FILE, makeFile(3 * BLOCK_SIZE, "property 3 blocks"), makeFile(1_000, "property small")];

class Model {
  deals = new Map<string, Deal>();
  initial = new Map<string, bigint>();
  salt = 1n;
  ops = 0;
  donated = 0n;
  constructor(
    readonly w: World,
    readonly rng: Rng,
  ) {}

  parties(): Party[] {
    const { client, diligent, lazy, keeper, attacker } = this.w;
    return [client, diligent, lazy, keeper, attacker];
  }

  async read() {
    const accounts = this.parties().map((p) => p.address);
    const [wallets, credits, held, owed] = await this.w.lens.read(this.w.tokenAddress, this.w.bondAddress, accounts);
    const wealth = new Map(accounts.map((a, i) => [a, wallets[i] + credits[i]]));
    return { wealth, credits: credits.reduce((x, y) => x + y, 0n), held, owed };
  }

  /** Learns the facts of every deal touched by `receipt` from the bond's events. */
  learn(receipt: TransactionReceipt | undefined): void {
    if (!receipt) return;
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== this.w.bondAddress.toLowerCase()) continue;
      const e = this.w.bond.interface.parseLog(log);
      if (!e) continue;
      stats.events[e.name] = (stats.events[e.name] ?? 0) + 1;
      const d = this.deals.get(e.args[0]);
      switch (e.name) {
        case "DealOffered": {
          const a = e.args;
          this.deals.set(a.id, {
            t: {
              client: a.client,
              provider: a.provider,
              piecesRoot: a.piecesRoot,
              fileLength: a.fileLength,
              price: a.price,
              bond: a.bond,
              duration: a.duration,
              responseWindow: a.responseWindow,
              challengeFee: a.challengeFee,
              maxChallenges: a.maxChallenges,
              offerExpiresAt: a.offerExpiresAt,
              salt: a.salt,
            },
            status: "offered",
            acceptedAt: 0n,
            made: 0n,
            answered: 0n,
            withdrawn: 0n,
            deadline: 0n,
            challengedAt: 0n,
            index: 0,
          });
          break;
        }
        case "DealCancelled":
          d!.status = "cancelled";
          break;
        case "DealAccepted":
          d!.status = "active";
          d!.acceptedAt = e.args.acceptedAt;
          break;
        case "EarningsWithdrawn":
          d!.withdrawn = e.args.totalWithdrawn;
          break;
        case "BlockChallenged":
          d!.status = "challenged";
          d!.made += 1n;
          d!.deadline = e.args.deadline;
          d!.index = Number(e.args.index);
          d!.challengedAt = e.args.deadline - d!.t.responseWindow;
          break;
        case "ChallengeAnswered":
          d!.status = "active";
          d!.answered += 1n;
          break;
        case "DealSlashed":
          d!.status = "slashed";
          d!.slashedBy = e.args.caller;
          break;
        case "DealFinished":
          d!.status = "finished";
          break;
      }
    }
  }

  /** What a client may have paid for deal `d` at most, by the deal's rules. */
  clientCap(d: Deal): bigint {
    const { price, bond, challengeFee } = d.t;
    switch (d.status) {
      case "offered":
        return price;
      case "active":
      case "challenged":
        return price + d.made * challengeFee;
      case "finished":
        return price + d.answered * challengeFee;
      case "slashed":
        return earnedAt(d.t, d.acceptedAt, d.challengedAt) + d.answered * challengeFee - bond;
      case "cancelled":
        return 0n;
    }
  }

  /** What a provider has at least gained on deal `d` (negative: a bond still posted, or lost). */
  providerFloor(d: Deal): bigint {
    if (d.status === "finished") return d.t.price + d.answered * d.t.challengeFee;
    if (d.status === "active" || d.status === "challenged" || d.status === "slashed") return -d.t.bond;
    return 0n;
  }

  /** What the bond still holds for deal `d`. */
  escrow(d: Deal): bigint {
    if (d.status === "offered") return d.t.price;
    if (d.status === "active" || d.status === "challenged") {
      return d.t.price - d.withdrawn + d.t.bond + d.made * d.t.challengeFee;
    }
    return 0n;
  }

  async check(step: string): Promise<void> {
    const { wealth, credits, held, owed } = await this.read();
    const deals = [...this.deals.values()];
    const of = (p: Party) => wealth.get(p.address)! - this.initial.get(p.address)!;
    const sum = (xs: bigint[]) => xs.reduce((x, y) => x + y, 0n);
    const where = () => `after ${step} (step ${this.ops}, seed ${SEED})`;
    const { client, diligent, lazy, keeper, attacker } = this.w;

    for (const d of deals.filter((x) => x.t.provider === diligent.address)) {
      check(d.status !== "slashed", () => `the diligent provider's deal was slashed ${where()}`);
    }
    for (const p of [diligent, lazy]) {
      const floor = sum(deals.filter((d) => d.t.provider === p.address).map((d) => this.providerFloor(d)));
      // A provider that is also a client (the attacker may name anyone) is left out of this bound.
      if (deals.some((d) => d.t.client === p.address)) continue;
      check(of(p) >= floor, () => `${p.name} holds ${of(p)}, less than its floor ${floor} ${where()}`);
    }
    for (const p of [client, attacker]) {
      const cap = sum(deals.filter((d) => d.t.client === p.address).map((d) => this.clientCap(d)));
      if (deals.some((d) => d.t.provider === p.address)) continue; // also a provider: bounded below
      // Tokens the attacker gave the bond outright are its own loss, not a payment for a deal.
      const paid = -of(p) - (p === attacker ? this.donated : 0n);
      check(paid <= cap, () => `${p.name} paid ${paid}, more than entitled (${cap}) ${where()}`);
    }
    for (const p of [attacker, keeper]) {
      const asClient = deals.filter((d) => d.t.client === p.address);
      const rewards = sum(
        deals.filter((d) => d.slashedBy === p.address).map((d) => (d.t.bond * SLASH_REWARD_BPS) / 10_000n),
      );
      // Deals it offered only cost it (their providers never miss: the lazy one accepts the client's only).
      const refunds = sum(asClient.map((d) => (d.status === "slashed" ? d.t.bond : 0n)));
      check(of(p) <= rewards + refunds, () => `${p.name} gained ${of(p)} > rewards ${rewards} ${where()}`);
    }
    const escrow = sum(deals.map((d) => this.escrow(d)));
    check(held >= escrow + credits, () => `the bond holds ${held} < owed ${escrow + credits} ${where()}`);
    check(owed === escrow + credits, () => `owed() ${owed} is not escrow + credits ${escrow + credits} ${where()}`);
  }

  // -- terms -------------------------------------------------------------------------------------

  async freshTerms(client: string, provider: string, honest: boolean): Promise<Terms> {
    const r = this.rng;
    const file = r.pick(FILES);
    const now = BigInt(await time.latest());
    const wrongLength = !honest && r.chance(0.5);
    return {
      client,
      provider,
      piecesRoot: !honest && r.chance(0.2) ? ethers.hexlify(seededBytes(`root ${r.next()}`, 32)) : file.root,
      fileLength: wrongLength ? file.length + BigInt(r.pick([1, -1, BLOCK_SIZE, 7 * BLOCK_SIZE])) : file.length,
      price: 1n + r.big(10n ** 21n),
      bond: 1n + r.big(10n ** 21n),
      duration: BigInt(MIN_RESPONSE_WINDOW) * BigInt(1 + r.int(20)),
      responseWindow: MIN_RESPONSE_WINDOW + BigInt(r.int(3)) * 60n,
      challengeFee: r.chance(0.2) ? 0n : r.big(10n ** 19n),
      maxChallenges: BigInt(r.int(4)),
      offerExpiresAt: now + BigInt(r.int(20_000)),
      salt: this.salt++,
    };
  }

  /** The file with this root and length, if one of the providers' files is it. */
  fileOf(t: Terms): TestFile | undefined {
    return FILES.find((f) => f.root === t.piecesRoot.toLowerCase() && f.length === t.fileLength);
  }

  dealsWhere(pred: (d: Deal) => boolean): Deal[] {
    return [...this.deals.values()].filter(pred);
  }

  // -- operations --------------------------------------------------------------------------------

  async step(): Promise<string> {
    const r = this.rng;
    const { client, diligent, lazy, keeper, attacker } = this.w;
    const now = BigInt(await time.latest());
    const pickDeal = (pred: (d: Deal) => boolean) => {
      const xs = this.dealsWhere(pred);
      return xs.length ? r.pick(xs) : undefined;
    };
    const roll = r.int(100);
    if (roll < 10) {
      const p = r.chance(0.6) ? diligent : lazy;
      this.learn(await client.call("offer", [await this.freshTerms(client.address, p.address, true)]));
      return "client offers";
    }
    if (roll < 20) {
      // A provider accepts an offer made to it, after checking the terms against its file.
      const p = r.chance(0.6) ? diligent : lazy;
      const d = pickDeal(
        (x) =>
          x.status === "offered" && x.t.provider === p.address && (p === diligent || x.t.client === client.address),
      );
      if (!d || !this.fileOf(d.t) || now >= d.t.offerExpiresAt) return "no offer to accept";
      this.learn(await p.call("accept", [d.t, ...lastBlockOf(d.t)]));
      return `${p.name} accepts`;
    }
    if (roll < 22) {
      const d = pickDeal((x) => x.status === "offered" && x.t.client === client.address);
      if (d) this.learn(this.live(await client.call("cancel", [d.t]), "the client's cancel of its offer"));
      return "client cancels";
    }
    if (roll < 30) {
      const d = pickDeal((x) => x.status === "active" && x.t.client === client.address);
      if (d) {
        const blocks = Number((d.t.fileLength + BigInt(BLOCK_SIZE) - 1n) / BigInt(BLOCK_SIZE));
        this.learn(await client.call("challenge", [d.t, r.int(blocks + (r.chance(0.1) ? 2 : 0))]));
      }
      return "client challenges";
    }
    if (roll < 35) {
      // The lazy provider answers sometimes (the diligent one answers after every step, below).
      const d = pickDeal((x) => x.status === "challenged" && x.t.provider === lazy.address);
      const f = d && this.fileOf(d.t);
      if (d && f) {
        this.learn(await lazy.call("respond", [d.t, f.block(d.index), f.proof(d.index)]));
      }
      return "lazy provider answers";
    }
    if (roll < 41) {
      const p = r.chance(0.5) ? diligent : lazy;
      const d = pickDeal((x) => x.status === "active" && x.t.provider === p.address);
      if (d) this.learn(await p.call("withdrawEarnings", [d.t]));
      return `${p.name} withdraws earnings`;
    }
    if (roll < 47) {
      const by = r.pick([client, keeper, keeper, diligent, lazy]);
      const d = pickDeal((x) => x.status === "challenged" && now > x.deadline);
      if (d) this.learn(this.live(await by.call("slash", [d.t]), `${by.name}'s slash of a missed challenge`));
      return `${by.name} slashes`;
    }
    if (roll < 53) {
      const by = r.pick([keeper, diligent, lazy, client]);
      const d = pickDeal((x) => x.status === "active" && now >= x.acceptedAt + x.t.duration);
      if (d) this.learn(this.live(await by.call("finish", [d.t]), `${by.name}'s finish of an ended deal`));
      return `${by.name} finishes`;
    }
    if (roll < 57) {
      const p = r.pick(this.parties());
      const credit = await this.w.bond.balanceOf(p.address);
      if (credit > 0n) this.learn(await p.call("withdraw", [p.address, credit]));
      return `${p.name} withdraws its balance`;
    }
    if (roll < 65) {
      await time.increase(1 + r.int(r.chance(0.3) ? 20_000 : 1_200));
      return "time passes";
    }
    if (this.w.hooked && roll < 71) {
      // A party's hook will re-enter on its next transfer, with an arbitrary bond call.
      const p = r.pick(this.parties());
      const [picked, pickedArgs] = await this.arbitraryCall(p);
      // A donation is a token call, not a bond call: the attacker's hook withdraws instead.
      const [fn, args] = picked === "donate" ? ["withdraw", [p.address, 1n]] : [picked, pickedArgs];
      await p.actor!.arm(this.w.bondAddress, encode(fn, args), r.chance(0.5), r.chance(0.5));
      return `${p.name} arms its hook (${fn})`;
    }
    if (this.w.hooked && roll < 75) {
      // The nested deposit: the attacker's sender hook offers a second deal inside its offer's pull,
      // hoping the outer transfer fails silently after the inner one paid for both.
      const outer = await this.freshTerms(attacker.address, diligent.address, true);
      const inner = { ...(await this.freshTerms(attacker.address, diligent.address, true)), price: outer.price };
      await attacker.actor!.arm(this.w.bondAddress, encode("offer", [inner]), true, r.chance(0.5));
      this.learn(await attacker.call("offer", [outer]));
      return "attacker's nested offer";
    }
    const [fn, args] = await this.arbitraryCall();
    if (fn === "donate") {
      // Tokens given to the bond outright; an armed hook would turn the transfer into a bond call too.
      if (attacker.actor && (await attacker.actor.armed())) return "attacker keeps its donation";
      const before = (await this.read()).held;
      if (await attacker.donate(args[0] as bigint)) this.donated += (await this.read()).held - before;
    } else {
      this.learn(await attacker.call(fn, args));
    }
    return `attacker ${fn}`;
  }

  /** An arbitrary call of any entry point, with arguments an attacker could choose. */
  async arbitraryCall(
    /** An honest party arming its own hook: it never gives its money away (no donation, no withdrawal to others). */
    honest?: Party,
  ): Promise<[string, unknown[]]> {
    const r = this.rng;
    const { client, diligent, lazy, keeper, attacker } = this.w;
    if (honest && honest !== attacker) {
      const [fn, args] = await this.arbitraryCall();
      if (fn === "donate") return ["withdraw", [honest.address, 1n]];
      if (fn === "withdraw") return ["withdraw", [honest.address, args[1]]];
      return [fn, args];
    }
    const anyone = [
      client.address,
      diligent.address,
      lazy.address,
      keeper.address,
      attacker.address,
      ethers.ZeroAddress,
    ];
    const known = [...this.deals.values()];
    const someTerms = async (): Promise<Terms> => {
      if (known.length && r.chance(0.7)) {
        const t = { ...r.pick(known).t };
        if (r.chance(0.3)) {
          const field = r.pick(["price", "bond", "challengeFee", "salt", "fileLength"] as const);
          t[field] = t[field] + 1n;
        }
        if (r.chance(0.2)) t.client = attacker.address;
        return t;
      }
      return this.freshTerms(r.pick(anyone), r.pick(anyone), false);
    };
    const amount = () => r.pick([0n, 1n, r.big(10n ** 21n), 2n ** 112n, MINT]);
    switch (r.int(13)) {
      case 0: {
        // Offers as itself, to the diligent provider (who may accept if the terms are right).
        const t = await this.freshTerms(attacker.address, diligent.address, r.chance(0.5));
        return ["offer", [t]];
      }
      case 1:
        return ["offer", [await someTerms()]];
      case 2:
        return ["cancel", [await someTerms()]];
      case 3: {
        const t = await someTerms();
        const f = r.pick(FILES);
        const i = r.int(f.blocks);
        return [
          "accept",
          [t, r.chance(0.5) ? f.block(i) : seededBytes(`x${r.next()}`, r.int(BLOCK_SIZE + 2)), f.proof(i)],
        ];
      }
      case 4:
        return ["challenge", [await someTerms(), BigInt(r.int(10))]];
      case 5: {
        const f = r.pick(FILES);
        const i = r.int(f.blocks);
        const proof = r.chance(0.5) ? f.proof(i) : f.proof(i).map(() => seededBytes(`p${r.next()}`, 32));
        return ["respond", [await someTerms(), r.chance(0.5) ? f.block(i) : seededBytes(`b${r.next()}`, 100), proof]];
      }
      case 6:
        return ["slash", [await someTerms()]];
      case 7:
        return ["finish", [await someTerms()]];
      case 8:
        return ["withdrawEarnings", [await someTerms()]];
      case 9:
        return ["withdraw", [r.pick(anyone), amount()]];
      case 10:
        return ["pushPayout", [r.pick(anyone), amount()]];
      case 11:
        return ["donate", [r.big(10n ** 18n)]];
      default: {
        // Slash or finish the real deals when allowed: the only way a third party may gain (a keeper's reward).
        const d = r.chance(0.5) && known.length ? r.pick(known) : undefined;
        return [r.pick(["slash", "finish"]), [d ? d.t : await someTerms()]];
      }
    }
  }

  /** Payouts nobody can block: a call every rule allows must not be refused, whatever the hooks do. */
  live(receipt: TransactionReceipt | undefined, what: string): TransactionReceipt | undefined {
    check(receipt !== undefined, () => `${what} was refused (step ${this.ops}, seed ${SEED})`);
    return receipt;
  }

  /** The diligent provider answers every open challenge on its deals at once, from its files. */
  async diligence(): Promise<void> {
    const { diligent } = this.w;
    for (const d of this.dealsWhere((x) => x.status === "challenged" && x.t.provider === diligent.address)) {
      const f = this.fileOf(d.t)!;
      const i = d.index;
      const receipt = await diligent.call("respond", [d.t, f.block(i), f.proof(i)]);
      expect(receipt, `the diligent provider could not answer block ${i} (op ${this.ops}, seed ${SEED})`).to.not.equal(
        undefined,
      );
      this.learn(receipt);
    }
  }

  /** Runs random steps until `calls` more calls were made to the bond. */
  async run(calls: number): Promise<void> {
    const { wealth } = await this.read();
    this.initial = wealth;
    const until = stats.calls + calls;
    while (stats.calls < until) {
      this.ops++;
      const minedBefore = stats.mined;
      const step = await this.step();
      await this.diligence();
      // Nothing changes without a mined transaction (a refused call is not mined): check then.
      if (stats.mined !== minedBefore) await this.check(step);
    }
  }
}

describe("StorageBond property: every owner's money, with an attacker holding only its own keys", function () {
  this.timeout(20 * 60_000);
  const half = Math.ceil(TOTAL_OPS / 2);
  const deals = { total: 0, slashed: 0, finished: 0 };
  after(() => {
    const e = Object.entries(stats.events)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    console.log(
      `      ${stats.calls} random operations on the bond (${stats.refused} refused); ${deals.total} deals, ` +
        `${deals.finished} finished, ${deals.slashed} slashed; events: ${e}`,
    );
  });
  for (const mode of ["plain", "hooked"] as const) {
    const title =
      mode === "plain"
        ? "TestToken, EOA parties"
        : "HookedToken (15% silent failures), hooked parties re-entering from their hooks";
    it(`${title}: ${half} operations`, async () => {
      const start = stats.calls;
      for (let run = 0; stats.calls - start < half; run++) {
        const w = await loadFixture(mode === "plain" ? plainWorld : hookedWorld);
        const model = new Model(w, prng(SEED * 1_000 + run + (mode === "hooked" ? 500 : 0)));
        await model.run(Math.min(OPS_PER_RUN, half - (stats.calls - start)));
        const all = [...model.deals.values()];
        deals.total += all.length;
        deals.slashed += all.filter((d) => d.status === "slashed").length;
        deals.finished += all.filter((d) => d.status === "finished").length;
      }
    });
  }
});
