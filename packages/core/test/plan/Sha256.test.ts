/**
 * The pure SHA-256 against the FIPS 180-4 / NIST test vectors, and against node:crypto for random
 * text (any Unicode, lone surrogates included), however the input is split across updates.
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeSha256, sha256Hex } from "../../src/plan/Sha256.ts";

const PROPERTY_RUNS = { seed: 20_261_127, numRuns: 300 } as const;

const nodeSha256 = (data: string | Uint8Array): string =>
  createHash("sha256").update(data).digest("hex");

describe("sha256Hex", () => {
  it.each([
    ["", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    ["abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    [
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    ],
    [
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
    ],
    [
      "The quick brown fox jumps over the lazy dog",
      "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592",
    ],
  ])("hashes the test vector %j", (text, digest) => {
    expect(sha256Hex(text)).toBe(digest);
  });

  it("hashes one million 'a' (the long NIST vector)", () => {
    expect(sha256Hex("a".repeat(1_000_000))).toBe(
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
    );
  });

  it("pads correctly around the 55/56/64-byte block edges", () => {
    for (let n = 50; n <= 130; n++) {
      const text = "x".repeat(n);
      expect(sha256Hex(text)).toBe(nodeSha256(text));
    }
  });

  it("encodes non-ASCII text as UTF-8, and a lone surrogate as U+FFFD", () => {
    for (const text of ["é", "€", "😀", "naïve 日本語 😀 ok", "a\ud800b", "\udc00"]) {
      expect(sha256Hex(text)).toBe(nodeSha256(text));
    }
  });

  it("matches node:crypto for random text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => {
        expect(sha256Hex(text)).toBe(nodeSha256(text));
      }),
      PROPERTY_RUNS,
    );
  });
});

describe("makeSha256", () => {
  it("gives the same digest however the text is split across updates", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: "grapheme", maxLength: 40_000 }), { maxLength: 6 }),
        (pieces) => {
          const hasher = makeSha256();
          for (const piece of pieces) hasher.updateText(piece);
          expect(hasher.digestHex()).toBe(nodeSha256(pieces.join("")));
        },
      ),
      { ...PROPERTY_RUNS, numRuns: 60 },
    );
  });

  it("hashes raw bytes, also across its internal buffer", () => {
    const bytes = new Uint8Array(70_001).map((_, i) => (i * 7919) & 0xff);
    expect(makeSha256().update(bytes).digestHex()).toBe(nodeSha256(bytes));
    const split = makeSha256().update(bytes.subarray(0, 16_383)).update(bytes.subarray(16_383));
    expect(split.digestHex()).toBe(nodeSha256(bytes));
  });

  it("crosses its 16 KiB buffer with a multi-byte character on the edge", () => {
    for (const tail of ["é", "€", "😀"]) {
      for (let n = 16_380; n <= 16_386; n++) {
        const text = `${"x".repeat(n)}${tail}${"y".repeat(10)}`;
        expect(sha256Hex(text)).toBe(nodeSha256(text));
      }
    }
  });

  it("returns the 32-byte digest", () => {
    const digest = makeSha256().updateText("abc").digest();
    expect(Buffer.from(digest).toString("hex")).toBe(nodeSha256("abc"));
  });

  it("refuses a second digest", () => {
    const hasher = makeSha256();
    hasher.digest();
    expect(() => hasher.digest()).toThrow(/already/);
  });
});
