import { expect } from "chai";
import { runTronTowerScenario } from "../faults/tronTowerScenario";

/**
 * A claim whose block is reorganised away (issue 13, "reorgs are followed"): the tower's claim
 * landed, then the blocks from the close's on are replaced and the claim is lost with them; the
 * close is back 4 s later. The tower must claim again, once.
 */
describe("TRON watchtower: a claim reorganised away", function () {
  this.timeout(180_000);

  it("is claimed again once the close is back, with one claim transaction landed", async () => {
    const outcome = await runTronTowerScenario({
      window: 30,
      close: "reorg",
      reorgAfter: "claimed",
      reincludeAfter: 4_000,
    });
    const claims = outcome.events.filter((e) => e.type === "claimed");
    expect(outcome.claimed, `lost after ${outcome.after} ms`).to.equal(true);
    // The first claim was reported landed, and was then undone with its block: a second one landed.
    expect(claims.length, "claims the tower saw land").to.equal(2);
    expect(outcome.claimsLanded, "claim transactions on the chain").to.equal(1);
  });
});
