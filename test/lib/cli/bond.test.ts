import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startEmbeddedChain, type EmbeddedChain } from "../../../src/cli/embeddedChain";
import { buildMerkleTree } from "../../../src/storage/buildMerkleTree";
import { verifyBlockProof } from "../../../src/storage/verifyBlockProof";
import { KEYS, seedpay, tempDir } from "./helpers";

/** `seedpay bond ...` against a JSON-RPC node of its own: root, proof, offer, accept, challenge, respond, status. */
describe("seedpay CLI: storage bonds", () => {
  let node: EmbeddedChain;
  let cwd: string;
  let env: Record<string, string>;
  const file = () => path.join(cwd, "data.bin");

  before(async () => {
    node = await startEmbeddedChain({ port: 0 });
    cwd = tempDir();
    env = { SEEDPAY_RPC: node.url };
    writeFileSync(path.join(cwd, "data.bin"), randomBytes(3 * 16384 + 5));
  });
  after(async () => {
    await node?.close();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  const as = async (who: keyof typeof KEYS, args: string[]) => {
    const run = await seedpay(args, { env: { ...env, SEEDPAY_PRIVATE_KEY: KEYS[who] }, cwd });
    if (run.code !== 0) throw new Error(`seedpay ${args.join(" ")} exited ${run.code}:\n${run.stderr}`);
    return run;
  };

  it("prints a file's pieces root as 64 hex characters on the last line, and a proof that verifies", async () => {
    const tree = await buildMerkleTree(file());
    const root = await as("payer", ["bond", "root", file()]);
    const lines = root.stdout.trim().split("\n");
    expect(lines[lines.length - 1]).to.equal(tree.piecesRoot!.toString("hex"));
    const proof = JSON.parse((await as("payer", ["bond", "proof", file(), "3"])).stdout);
    expect(proof.index).to.equal(3);
    expect(
      verifyBlockProof(
        Buffer.from(proof.piecesRoot.slice(2), "hex"),
        proof.fileLength,
        3,
        Buffer.from(proof.block.slice(2), "hex"),
        proof.proof.map((h: string) => Buffer.from(h.slice(2), "hex")),
      ),
    ).to.equal(true);
    const empty = path.join(cwd, "empty.bin");
    writeFileSync(empty, "");
    const refused = await seedpay(["bond", "root", empty], { env, cwd });
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.contain("an empty file has no pieces root");
    const missing = await seedpay(["bond", "root", "missing.bin"], { env, cwd });
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.equal(
      `error: Invalid path ${JSON.stringify(path.join(cwd, "missing.bin"))}: cannot read it: no such file (ENOENT).\n` +
        "  Give the path of the file itself (relative paths start from the current directory).\n",
    );
    const directory = await seedpay(["bond", "root", "."], { env, cwd });
    expect(directory.stderr).to.contain("it is a directory, not a file (EISDIR)");
  });

  it("prints `bond offer`'s help with its defaults, and `help bond offer` is the same help", async () => {
    const help = await seedpay(["bond", "offer", "--help"], { env, cwd });
    expect(help.code, help.stderr).to.equal(0);
    expect(help.stdout).to.match(/^Usage: seedpay bond offer \[options\]/);
    expect(help.stdout).to.match(
      /--challenge-fee <btt>\s+paid per challenge to the answering provider\s+\(default: 0\.1\)/,
    );
    expect(help.stdout).to.contain("--offer-valid-for <seconds>");
    const viaHelp = await seedpay(["help", "bond", "offer"], { env, cwd });
    expect(viaHelp.code, viaHelp.stderr).to.equal(0);
    expect(viaHelp.stdout).to.equal(help.stdout);
    const group = await seedpay(["help", "bond"], { env, cwd });
    expect(group.stdout).to.match(/^Usage: seedpay bond \[options\] \[command\]/);
    const short = await seedpay(["bond", "offer", "--response-window", "60"], { env, cwd });
    expect(short.code).to.equal(1);
    expect(short.stderr).to.contain("At least 900 seconds (15 minutes)");
  });

  it("offers, accepts, challenges and answers a deal from the file", async () => {
    await as("deployer", ["deploy", "--test-token"]);
    const provider = node.accounts[2].address;
    await as("deployer", ["mint", "--to", node.accounts[1].address, "--amount", "100"]);
    await as("deployer", ["mint", "--to", provider, "--amount", "100"]);
    const offer = await as("payer", [
      "bond",
      "offer",
      "--provider",
      provider,
      "--file",
      file(),
      "--price",
      "10",
      "--collateral",
      "5",
      "--terms-out",
      "deal.json",
    ]);
    expect(offer.stdout).to.match(/^offered deal 0x[0-9a-f]{64}/);
    // The terms with a length one byte longer, or another file: refused before anything is sent.
    const terms = JSON.parse(readFileSync(path.join(cwd, "deal.json"), "utf8"));
    writeFileSync(path.join(cwd, "longer.json"), JSON.stringify({ ...terms, fileLength: String(3 * 16384 + 6) }));
    const longer = await seedpay(["bond", "accept", "--terms", "longer.json", "--file", "data.bin"], {
      env: { ...env, SEEDPAY_PRIVATE_KEY: KEYS.payee },
      cwd,
    });
    expect(longer.code).to.equal(1);
    expect(longer.stderr).to.match(
      /^error: data\.bin is 49157 bytes but deal 0x[0-9a-f]{64} says 49158: the terms' length is wrong\n/,
    );
    expect(longer.stderr).to.contain("Do not accept");
    writeFileSync(path.join(cwd, "other.bin"), randomBytes(3 * 16384 + 5));
    const other = await seedpay(["bond", "accept", "--terms", "deal.json", "--file", "other.bin"], {
      env: { ...env, SEEDPAY_PRIVATE_KEY: KEYS.payee },
      cwd,
    });
    expect(other.code).to.equal(1);
    expect(other.stderr).to.match(/^error: other\.bin is not the file of deal 0x[0-9a-f]{64}: its pieces root is 0x/);
    for (const run of [longer, other]) expect(run.stderr).to.not.contain("sending");
    expect(JSON.parse((await as("payer", ["--json", "bond", "status", "--terms", "deal.json"])).stdout)).to.include({
      status: "offered",
    });

    const accept = await as("payee", ["bond", "accept", "--terms", "deal.json", "--file", "data.bin"]);
    expect(accept.stdout).to.match(/^accept: deal 0x[0-9a-f]{64} is now active \(gas [\d,]+\)\n$/);
    const challenged = await as("payer", ["bond", "challenge", "--terms", "deal.json", "--index", "2"]);
    expect(challenged.stdout).to.contain("is now challenged");
    const respond = await as("payee", [
      "bond",
      "respond",
      "--terms",
      "deal.json",
      "--file",
      file(),
      "--interval",
      "50",
    ]);
    expect(respond.stdout).to.match(/^answered the challenge of block 2; deal 0x[0-9a-f]{64} is active\n$/);
    expect(respond.stderr).to.match(/^sending respond… confirmed in block \d+, gas [\d,]+\n$/);
    const status = await as("payer", ["--json", "bond", "status", "--terms", "deal.json"]);
    expect(JSON.parse(status.stdout)).to.include({ status: "active", challenges: "1" });
  });
});
