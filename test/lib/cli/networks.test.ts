import { expect } from "chai";
import { resolveTarget } from "../../../src/cli/networks";

/** How the CLI picks its node: flags over the environment, TRON's network names as tronbox.js has them. */
describe("seedpay CLI: choosing the node", () => {
  it("defaults to the EVM node of `seedpay node` and the localhost deployment", () => {
    expect(resolveTarget({}, {})).to.deep.equal({ kind: "evm", url: "http://127.0.0.1:8545", network: "localhost" });
  });

  it("maps TRON's network names to tronbox.js's hosts, chain ids and URL overrides", () => {
    expect(resolveTarget({ network: "shasta" }, {})).to.deep.equal({
      kind: "tron",
      url: "https://api.shasta.trongrid.io",
      network: "shasta",
      expectedChainId: 2494104990n,
      apiKey: undefined,
    });
    expect(resolveTarget({ network: "nile" }, { TRON_PRO_API_KEY: "k" })).to.include({
      url: "https://nile.trongrid.io",
      expectedChainId: 3448148188n,
      apiKey: "k",
    });
    expect(resolveTarget({ network: "mainnet" }, {})).to.include({ expectedChainId: 728126428n });
    expect(resolveTarget({ network: "development" }, { TRONBOX_DEVELOPMENT_URL: "http://h:1" })).to.include({
      kind: "tron",
      url: "http://h:1",
      expectedChainId: undefined,
    });
    expect(resolveTarget({}, { SEEDPAY_NETWORK: "shasta" })).to.include({ kind: "tron", network: "shasta" });
  });

  it("takes --tron and --rpc over network names and the environment", () => {
    expect(resolveTarget({ tron: "http://t:9" }, { SEEDPAY_RPC: "http://e:1" })).to.include({
      kind: "tron",
      url: "http://t:9",
      network: "development",
    });
    expect(resolveTarget({ rpc: "http://e:2", network: "shasta" }, {})).to.deep.equal({
      kind: "evm",
      url: "http://e:2",
      network: "shasta",
    });
    expect(resolveTarget({ network: "shasta" }, { SEEDPAY_RPC: "http://e:1" })).to.include({ kind: "tron" });
    expect(resolveTarget({}, { SEEDPAY_TRON: "http://t:1" })).to.include({ kind: "tron", network: "development" });
    expect(resolveTarget({ network: "mine" }, { SEEDPAY_RPC: "http://e:1" })).to.deep.equal({
      kind: "evm",
      url: "http://e:1",
      network: "mine",
    });
  });

  it("refuses two nodes at once", () => {
    expect(() => resolveTarget({ tron: "http://t:1", rpc: "http://e:1" }, {})).to.throw(
      "--tron and --rpc both name a node: pass one",
    );
    expect(() => resolveTarget({}, { SEEDPAY_TRON: "http://t:1", SEEDPAY_RPC: "http://e:1" })).to.throw(
      "SEEDPAY_TRON and SEEDPAY_RPC are both set",
    );
  });
});
