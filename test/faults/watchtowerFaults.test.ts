import { expect } from "chai";
import { EVM_FAULT_ROWS } from "./evmFaultRows";
import { runTowerScenario } from "./towerScenario";

/**
 * Issue 13's table, EVM rows (test/faults/evmFaultRows.ts): each must claim. Windows are short for
 * CI; bench/watchtower.json records the smallest that still claims (scripts/bench-watchtower.ts).
 */
describe("faults: the EVM watchtower claims through a misbehaving node", function () {
  this.timeout(120_000);
  for (const [name, scenario] of Object.entries(EVM_FAULT_ROWS)) {
    it(`${name} (${scenario.window} s window)`, async () => {
      const outcome = await runTowerScenario(scenario);
      const failures = outcome.events.filter((e) => e.type === "claimFailed" || e.type === "error").length;
      expect(
        outcome.claimed,
        `lost after ${outcome.after} ms; ${failures} failures; ${JSON.stringify(outcome.proxy)}`,
      ).to.equal(true);
    });
  }
});
