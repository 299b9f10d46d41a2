import { expect } from "chai";
import { TRON_FAULT_ROWS } from "./tronFaultRows";
import { runTronTowerScenario } from "./tronTowerScenario";

/**
 * Issue 13's table, TRON rows (test/faults/tronFaultRows.ts): each must claim, with exactly one
 * claim transaction landed. bench/watchtower.json records the smallest window that still claims.
 */
describe("faults: the TRON watchtower claims through a misbehaving node", function () {
  this.timeout(180_000);
  for (const [name, scenario] of Object.entries(TRON_FAULT_ROWS)) {
    it(`${name} (${scenario.window} s window)`, async () => {
      const outcome = await runTronTowerScenario(scenario);
      const failures = outcome.events.filter((e) => e.type === "claimFailed" || e.type === "error");
      expect(
        outcome.claimed,
        `lost after ${outcome.after} ms; ${failures.length} failures (${failures
          .slice(-3)
          .map((e) => ("error" in e ? e.error.message : ""))
          .join(" | ")}); ${JSON.stringify(outcome.proxy)}`,
      ).to.equal(true);
      expect(outcome.claimsLanded, "claim transactions landed").to.equal(1);
      // A row whose fault never fired would claim without testing anything.
      expect(Object.keys(outcome.proxy.faulted), "requests the fault changed").to.not.be.empty;
    });
  }
});
