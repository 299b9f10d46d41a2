import { expect } from "chai";
import { DIRECT_READ_LAG_BLOCKS, startDirectReads } from "../../../src/channel/watchtowerDirectReads";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The watchtower's direct reads (what it spends while the event API lags), without a node: which
 * channels are read, and that a request budget bounds them. test/faults runs them against the devnode.
 */
describe("watchtower direct reads while the event source lags", () => {
  const start = (ids: string[], read: string[]) =>
    startDirectReads({ candidates: () => ids, minInterval: 5, read: async (id) => void read.push(id) });

  it("reads nothing before the event source has reported, or while its newest event is recent", async () => {
    const read: string[] = [];
    const reads = start(["a", "b"], read);
    try {
      await sleep(60);
      expect(read, "no report yet").to.deep.equal([]);
      reads.progress({ head: 100n, indexed: 100n - BigInt(DIRECT_READ_LAG_BLOCKS), requestsPerDay: Infinity });
      await sleep(60);
      expect(reads.lagging()).to.equal(false);
      expect(read, "an event API within a couple of blocks of the head").to.deep.equal([]);
    } finally {
      reads.stop();
    }
  });

  it("reads the channels at stake round robin while the newest event trails the head, and stops when it catches up", async () => {
    const read: string[] = [];
    const reads = start(["a", "b", "c"], read);
    try {
      reads.progress({ head: 100n, indexed: 90n, requestsPerDay: Infinity });
      expect(reads.lagging()).to.equal(true);
      while (read.length < 6) await sleep(5);
      expect(read.slice(0, 6)).to.deep.equal(["a", "b", "c", "a", "b", "c"]);
      reads.progress({ head: 101n, indexed: 101n, requestsPerDay: Infinity });
      await sleep(20); // a read already scheduled may still run
      const after = read.length;
      await sleep(60);
      expect(read.length, "reads after the API caught up").to.equal(after);
    } finally {
      reads.stop();
    }
  });

  it("a quiet contract (no event shown yet) counts as lagging: silence proves nothing", () => {
    const reads = start(["a"], []);
    try {
      reads.progress({ head: 100n, indexed: undefined, requestsPerDay: Infinity });
      expect(reads.lagging()).to.equal(true);
    } finally {
      reads.stop();
    }
  });

  it("on a request budget is paced to 1.5 % of it: no read at once (one every 58 s on a free TronGrid plan)", async () => {
    const read: string[] = [];
    const reads = start(["a", "b"], read);
    try {
      reads.progress({ head: 100n, indexed: undefined, requestsPerDay: 100_000 });
      await sleep(100);
      expect(read, "100,000 a day × 1.5 % = one read every 58 s").to.deep.equal([]);
    } finally {
      reads.stop();
    }
  });

  it("a read that fails does not stop the next ones", async () => {
    const tried: string[] = [];
    const reads = startDirectReads({
      candidates: () => ["a", "b"],
      minInterval: 5,
      read: async (id) => {
        tried.push(id);
        throw new Error("the node is down");
      },
    });
    try {
      reads.progress({ head: 100n, indexed: undefined, requestsPerDay: Infinity });
      while (tried.length < 3) await sleep(5);
      expect(tried.slice(0, 3)).to.deep.equal(["a", "b", "a"]);
    } finally {
      reads.stop();
    }
  });
});
