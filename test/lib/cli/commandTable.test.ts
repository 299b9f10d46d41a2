import { expect } from "chai";
import { Help } from "commander";
import { rmSync } from "node:fs";
import { Writable } from "node:stream";
import { COMMANDS, commandNamed } from "../../../src/cli/commandTable";
import { buildProgram } from "../../../src/cli/main";
import type { CliIo } from "../../../src/cli/output";
import { seedpay, tempDir } from "./helpers";

const io: CliIo = {
  stdout: new Writable({ write: (_chunk, _encoding, done) => done() }),
  stderr: new Writable({ write: (_chunk, _encoding, done) => done() }),
  stdin: process.stdin,
  env: {},
  cwd: process.cwd(),
};

describe("seedpay CLI: the command table (a run loads only its command)", () => {
  const cwd = tempDir();
  after(() => rmSync(cwd, { recursive: true, force: true }));

  it("lists every command under its own name, summary and usage", () => {
    const help = new Help();
    const loaded = buildProgram(io).commands.map((c) => [c.name(), c.summary(), help.subcommandTerm(c)]);
    const listed = COMMANDS.map((e) => [e.name, e.summary, `${e.name} ${e.term}`.trimEnd()]);
    expect(loaded).to.deep.equal(listed);
  });

  it("prints the same program help whether every command is loaded or none", () => {
    const full = buildProgram(io).helpInformation();
    expect(buildProgram(io, { command: undefined }).helpInformation()).to.equal(full);
  });

  it("names the command commander will run, past global options and their values", () => {
    expect(commandNamed([])).to.equal(undefined);
    expect(commandNamed(["--help"])).to.equal(undefined);
    expect(commandNamed(["-V"])).to.equal(undefined);
    expect(commandNamed(["open", "--payee", "x"])).to.equal("open");
    expect(commandNamed(["--db", "open", "status"])).to.equal("status");
    expect(commandNamed(["--network", "shasta", "--json", "--key-file", "k", "pay"])).to.equal("pay");
    expect(commandNamed(["--rpc=http://x", "claim"])).to.equal("claim");
    expect(commandNamed(["help", "bond"])).to.equal("bond");
    expect(commandNamed(["--verbose", "--", "settle"])).to.equal("settle");
  });

  it("runs a command given after global options, and prints every command's help", async () => {
    const run = await seedpay(["--db", "store.db", "--rpc", "http://127.0.0.1:9", "status", "--help"], { cwd });
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.match(/^Usage: seedpay status/);
    const top = await seedpay(["--help"], { cwd });
    expect(top.code).to.equal(0);
    for (const entry of COMMANDS) expect(top.stdout).to.include(entry.name);
    const unknown = await seedpay(["opne"], { cwd });
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.include("Did you mean open?");
  });
});
