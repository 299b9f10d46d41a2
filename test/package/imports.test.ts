import { expect } from "chai";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { isSupportedNode, unsupportedNodeMessage } from "../../src/package/supportedNode";
import { REPO, run, runOk, tempDir } from "./shell";

/** Loaded before a script, makes it see another Node.js version (process.versions is writable). */
function fakeNodeVersion(version: string): string {
  const file = path.join(tempDir("seedpay-node-version-"), "fake.js");
  writeFileSync(file, `Object.defineProperty(process.versions, "node", { value: ${JSON.stringify(version)} });\n`);
  return file;
}

describe("the library's weight and the Node.js versions it runs on (from the sources)", function () {
  this.timeout(120_000);

  it("loads no Hardhat, TronBox, devnode or CLI code when src/index.ts is imported", async () => {
    const loaded = await runOk(
      process.execPath,
      [
        "-r",
        "ts-node/register/transpile-only",
        "-e",
        'require("./src/index.ts"); console.log(JSON.stringify(Object.keys(require.cache)))',
      ],
      { cwd: REPO },
    );
    const modules = (JSON.parse(loaded.stdout) as string[]).map((m) => path.relative(REPO, m));
    expect(modules).to.include(path.join("src", "index.ts"));
    expect(modules).to.include(path.join("src", "channel", "payee.ts"));
    const heavy = modules.filter((m) =>
      /node_modules\/(hardhat|tronbox|@nomicfoundation)\/|^src\/(cli|devnode)\//.test(m),
    );
    expect(heavy).to.deep.equal([]);
  });

  it("accepts Node.js 20 and 22+, as package.json's engines says", () => {
    for (const good of ["20.0.0", "v20.19.2", "22.1.0", "24.3.0"]) expect(isSupportedNode(good), good).to.equal(true);
    for (const bad of ["18.19.1", "v21.7.3", "16.0.0", "19.9.0", ""]) expect(isSupportedNode(bad), bad).to.equal(false);
    expect(unsupportedNodeMessage("v18.19.1")).to.equal(
      "seedpay needs Node.js 20, or 22 and later; this is Node.js 18.19.1: install a supported version (e.g. nvm install 20)",
    );
  });

  it("fails at start on Node.js 18 with the message, from the library and from the CLI", async () => {
    const fake = fakeNodeVersion("18.19.1");
    const cli = await run(process.execPath, ["-r", fake, path.join(REPO, "bin", "seedpay.js"), "--help"], {
      cwd: REPO,
    });
    expect(cli.code).to.equal(1);
    expect(cli.stderr).to.equal(`error: ${unsupportedNodeMessage("18.19.1")}\n`);
    const library = await run(
      process.execPath,
      ["-r", fake, "-r", "ts-node/register/transpile-only", "-e", 'require("./src/index.ts")'],
      { cwd: REPO },
    );
    expect(library.code).to.equal(1);
    expect(library.stderr).to.include(`Error: ${unsupportedNodeMessage("18.19.1")}`);
  });
});
