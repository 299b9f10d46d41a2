import { expect } from "chai";
import { decodeTronEscrowEvent } from "../../../src/chain/tron/watchTronEscrowEvents";

const meta = { id: "0xab:1", blockNumber: 7n, blockHash: "0x" + "cd".repeat(32), txHash: "0xab", logIndex: 1 };
const evm = "0x8ba1f109551bD432803012645Ac136ddd64DBA72";

describe("decodeTronEscrowEvent", () => {
  it("accepts every address and bytes rendering TronGrid versions use", () => {
    for (const rendering of [
      evm.toLowerCase(),
      "41" + evm.slice(2).toLowerCase(),
      evm.slice(2),
      "TNhWvctD24Ju9C8qpp9T9bQpGPPw5gjA96",
    ]) {
      const event = decodeTronEscrowEvent(
        {
          block_number: 7,
          block_timestamp: 1,
          event_index: 1,
          event_name: "Withdrawn",
          transaction_id: "ab",
          result: { account: rendering, to: evm.toLowerCase(), amount: "5" },
        },
        meta,
      );
      expect(event).to.deep.include({ type: "Withdrawn", to: evm, amount: 5n });
      expect(event).to.deep.include({ account: evm });
    }
    const claimed = decodeTronEscrowEvent(
      {
        block_number: 7,
        block_timestamp: 1,
        event_index: 1,
        event_name: "ChannelClaimed",
        transaction_id: "ab",
        result: { id: "AB".repeat(32), claimed: "12" },
      },
      meta,
    );
    expect(claimed).to.deep.include({ type: "ChannelClaimed", channelId: "0x" + "ab".repeat(32), claimed: 12n });
  });

  it("ignores events that are not the escrow's", () => {
    const other = {
      block_number: 7,
      block_timestamp: 1,
      event_index: 0,
      event_name: "Transfer",
      transaction_id: "ab",
      result: {},
    };
    expect(decodeTronEscrowEvent(other, meta)).to.equal(undefined);
  });
});
