import { expect } from "chai";
import { BencodeDecodeError, decodeBencode, decodeBencodePrefix, dictValueSpan, keyToUtf8 } from "../../../src/storage";

const decode = (text: string | Buffer) => decodeBencode(typeof text === "string" ? Buffer.from(text, "latin1") : text);

describe("storage/bencode: decoder", function () {
  it("decodes integers as bigints, strings as bytes, lists and dictionaries", function () {
    expect(decode("i0e")).to.equal(0n);
    expect(decode("i-42e")).to.equal(-42n);
    expect(decode("i123456789012345678901234567890e")).to.equal(123456789012345678901234567890n);
    expect(decode("0:")).to.deep.equal(Buffer.alloc(0));
    expect(decode("4:spam")).to.deep.equal(Buffer.from("spam"));
    expect(decode("l4:spami7ee")).to.deep.equal([Buffer.from("spam"), 7n]);
    expect(decode("le")).to.deep.equal([]);
    const dict = decode("d3:bar4:spam3:fooi42ee") as Map<string, unknown>;
    expect([...dict.keys()]).to.deep.equal(["bar", "foo"]);
    expect(dict.get("bar")).to.deep.equal(Buffer.from("spam"));
    expect(dict.get("foo")).to.equal(42n);
    expect(decode("d1:ad1:bl1:ceee")).to.deep.equal(new Map([["a", new Map([["b", [Buffer.from("c")]]])]]));
  });

  it("keeps binary keys byte for byte and reads UTF-8 names back", function () {
    const key = Buffer.from([0x00, 0xff, 0x80, 0x41]);
    const dict = decode(Buffer.concat([Buffer.from("d4:"), key, Buffer.from("i1ee")])) as Map<string, unknown>;
    const [only] = dict.keys();
    expect(Buffer.from(only, "latin1")).to.deep.equal(key);
    const named = decode(Buffer.concat([Buffer.from("d5:"), Buffer.from("été", "utf8"), Buffer.from("i1ee")])) as Map<
      string,
      unknown
    >;
    expect(keyToUtf8([...named.keys()][0])).to.equal("été");
  });

  it("decodes a string inside a larger buffer without copying past its bounds", function () {
    const backing = Buffer.from("xx4:spamyy");
    expect(decodeBencode(backing.subarray(2, 8))).to.deep.equal(Buffer.from("spam"));
    expect(decodeBencodePrefix(Buffer.from("i5ei6e"), 3)).to.deep.equal({ value: 6n, end: 6 });
  });

  it("finds the byte span of a top-level value (for info hashes)", function () {
    const bytes = Buffer.from("d1:ai1e4:infod1:xi2ee1:zi3ee");
    const span = dictValueSpan(bytes, "info")!;
    expect(bytes.subarray(span.start, span.end).toString()).to.equal("d1:xi2ee");
    expect(dictValueSpan(bytes, "nope")).to.equal(undefined);
  });

  const malformed: [string, string | Buffer, RegExp][] = [
    ["empty input", "", /end of input/],
    ["trailing bytes", "i1ei2e", /after the end/],
    ["a leading zero", "i01e", /invalid integer/],
    ["negative zero", "i-0e", /invalid integer/],
    ["a plus sign", "i+1e", /invalid integer/],
    ["an empty integer", "ie", /invalid integer/],
    ["an unterminated integer", "i12", /without 'e'/],
    ["a string length with a leading zero", "04:spam", /invalid string length/],
    ["a string running past the end", "5:spam", /past the end/],
    ["a string length without a colon", "4spam", /without ':'/],
    ["an unterminated list", "l4:spam", /end of input/],
    ["an unterminated dictionary", "d3:fooi1e", /end of input/],
    ["a non-string key", "di1ei2ee", /key is not a string/],
    ["a duplicate key", "d1:ai1e1:ai2ee", /duplicate dictionary key "a"/],
    ["an unknown type byte", "x", /unexpected byte 0x78/],
    ["nesting 300 deep", "l".repeat(300) + "e".repeat(300), /nested deeper/],
  ];
  for (const [label, input, reason] of malformed) {
    it(`refuses ${label} with the offset`, function () {
      expect(() => decode(input)).to.throw(BencodeDecodeError, reason);
      try {
        decode(input);
      } catch (error) {
        expect((error as BencodeDecodeError).offset).to.be.a("number");
      }
    });
  }

  it("reports where decoding stopped", function () {
    try {
      decode("l4:spami01ee");
      expect.fail("accepted");
    } catch (error) {
      expect(error).to.be.instanceOf(BencodeDecodeError);
      expect((error as BencodeDecodeError).offset).to.equal(7);
      expect((error as BencodeDecodeError).shortMessage).to.equal('Malformed bencode at byte 7: invalid integer "01".');
    }
  });
});
