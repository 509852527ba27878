import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checksumBytes,
  checksumFile,
  createHasher,
  makeAdler32,
  parseChecksumAlgorithm,
  sameChecksum,
} from "../../src/transfer/Checksum.ts";
import { tempDir } from "./support.ts";

const bytes = (s: string) => Buffer.from(s, "utf8");

/** Adler-32 straight from RFC 1950, one modulo per byte: the reference for the fast one. */
const slowAdler32 = (data: Uint8Array): string => {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return (((b << 16) | a) >>> 0).toString(16).padStart(8, "0");
};

describe("checksums", () => {
  it.each([
    ["ADLER32", "Wikipedia", "11e60398"],
    ["ADLER32", "", "00000001"],
    ["ADLER32", "a", "00620062"],
    ["ADLER32", "abc", "024d0127"],
    ["MD5", "", "d41d8cd98f00b204e9800998ecf8427e"],
    ["MD5", "The quick brown fox jumps over the lazy dog", "9e107d9d372bb6826bd81d3542a419d6"],
    ["SHA1", "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"],
    ["SHA256", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    [
      "SHA512",
      "abc",
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    ],
  ] as const)("%s(%j) = %s", (algorithm, input, expected) => {
    expect(checksumBytes(algorithm, bytes(input))).toBe(expected);
  });

  it("computes ADLER32 over large inputs fed in odd chunks as the reference does", () => {
    // All 0xff bytes push the sums hardest; a random tail covers the rest.
    const data = Buffer.concat([Buffer.alloc(70_000, 0xff), randomBytes(100_003)]);
    const hasher = makeAdler32();
    for (let i = 0; i < data.length; i += 7_777) hasher.update(data.subarray(i, i + 7_777));
    expect(hasher.digest()).toBe(slowAdler32(data));
    expect(checksumBytes("ADLER32", data)).toBe(slowAdler32(data));
  });

  it("gives the same digest however the input is chunked", () => {
    const data = randomBytes(10_000);
    for (const algorithm of ["MD5", "SHA1", "SHA256", "SHA512", "ADLER32"] as const) {
      const hasher = createHasher(algorithm);
      hasher.update(data.subarray(0, 1));
      hasher.update(data.subarray(1, 4_097));
      hasher.update(data.subarray(4_097));
      expect(hasher.digest()).toBe(checksumBytes(algorithm, data));
    }
  });

  it("checksums a file by streaming it", async () => {
    const dir = await tempDir();
    const data = randomBytes(2 * 1024 * 1024 + 3);
    const path = join(dir, "f.bin");
    await writeFile(path, data);
    const result = await checksumFile(path, "SHA256");
    expect(result).toEqual({ checksum: checksumBytes("SHA256", data), bytes: data.length });
    await expect(checksumFile(join(dir, "missing"), "MD5")).rejects.toMatchObject({
      code: "ENOENT",
    });
  });

  it("parses algorithm names as requests spell them", () => {
    expect(parseChecksumAlgorithm("md5")).toBe("MD5");
    expect(parseChecksumAlgorithm("SHA-256")).toBe("SHA256");
    expect(parseChecksumAlgorithm(" sha512 ")).toBe("SHA512");
    expect(parseChecksumAlgorithm("Adler32")).toBe("ADLER32");
    expect(parseChecksumAlgorithm("crc32c")).toBeUndefined();
  });

  it("compares printed checksums without regard to case or blanks", () => {
    expect(sameChecksum("11E60398", "11e60398")).toBe(true);
    expect(sameChecksum(" abc\n", "ABC")).toBe(true);
    expect(sameChecksum("abc", "abd")).toBe(false);
  });
});
