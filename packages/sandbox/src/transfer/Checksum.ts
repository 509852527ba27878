/**
 * The checksums Globus computes for `verify_checksum`, `sync_level` 3 and `external_checksum`:
 * MD5, SHA1, SHA256, SHA512 and ADLER32, fed chunk by chunk and printed as lowercase hex. Owns no
 * task logic: callers decide what a mismatch means.
 */
import { createHash, type Hash } from "node:crypto";
import * as fs from "node:fs";
import { promisify } from "node:util";

/** The algorithms the sandbox computes, spelt as Globus prints them. */
export const checksumAlgorithms = ["MD5", "SHA1", "SHA256", "SHA512", "ADLER32"] as const;
export type ChecksumAlgorithm = (typeof checksumAlgorithms)[number];

/** What Globus assumes when a request names no algorithm. */
export const defaultChecksumAlgorithm: ChecksumAlgorithm = "MD5";

/**
 * Reads an algorithm name as a request may spell it: any case, with or without a dash
 * (`sha-256`, `SHA256`). Undefined for an algorithm the sandbox cannot compute, so a server can
 * reject the request before a task starts.
 */
export const parseChecksumAlgorithm = (name: string): ChecksumAlgorithm | undefined => {
  const key = name.trim().toUpperCase().replace(/-/g, "");
  return checksumAlgorithms.find((a) => a === key);
};

/** An incremental checksum: feed chunks in order, then read the hex digest once. */
export interface Hasher {
  readonly update: (chunk: Uint8Array) => void;
  /** Lowercase hex; ADLER32 is 8 digits, zero-padded. */
  readonly digest: () => string;
}

const ADLER_MOD = 65521;
// zlib's NMAX: the most bytes after which the running sums still fit in 32 bits, so one modulo
// per block is enough (JS doubles would allow longer blocks; the gain is not measurable).
const ADLER_BLOCK = 5552;

/**
 * Adler-32 as zlib defines it (RFC 1950). Node's zlib does not expose it, so it is computed here;
 * the modulo is taken once per block rather than once per byte.
 */
export const makeAdler32 = (): Hasher => {
  let a = 1;
  let b = 0;
  return {
    update: (chunk) => {
      // Locals, not the captured variables: V8 keeps these in registers (about 2.5× faster).
      let s1 = a;
      let s2 = b;
      const n = chunk.length;
      let i = 0;
      while (i < n) {
        const end = Math.min(i + ADLER_BLOCK, n);
        for (; i < end; i++) {
          s1 += chunk[i] ?? 0;
          s2 += s1;
        }
        s1 %= ADLER_MOD;
        s2 %= ADLER_MOD;
      }
      a = s1;
      b = s2;
    },
    digest: () => (((b << 16) | a) >>> 0).toString(16).padStart(8, "0"),
  };
};

const nodeHashName: Record<Exclude<ChecksumAlgorithm, "ADLER32">, string> = {
  MD5: "md5",
  SHA1: "sha1",
  SHA256: "sha256",
  SHA512: "sha512",
};

const fromNodeHash = (hash: Hash): Hasher => ({
  update: (chunk) => {
    hash.update(chunk);
  },
  digest: () => hash.digest("hex"),
});

/** A fresh incremental hasher for `algorithm`. */
export const createHasher = (algorithm: ChecksumAlgorithm): Hasher =>
  algorithm === "ADLER32" ? makeAdler32() : fromNodeHash(createHash(nodeHashName[algorithm]));

/** The checksum of bytes already in memory. */
export const checksumBytes = (algorithm: ChecksumAlgorithm, data: Uint8Array): string => {
  const hasher = createHasher(algorithm);
  hasher.update(data);
  return hasher.digest();
};

/**
 * Whether two printed checksums name the same value: case-insensitive, surrounding blanks
 * ignored, since users paste external checksums from tools that print upper case.
 */
export const sameChecksum = (a: string, b: string): boolean =>
  a.trim().toLowerCase() === b.trim().toLowerCase();

// The callback API, promisified: cheaper per call than `fs/promises`, which matters when a sync
// checksums thousands of small files.
const open = promisify(fs.open);
const read = promisify(fs.read);
const close = promisify(fs.close);

/** Read size for checksumming a file: large enough that syscalls do not dominate. */
export const CHECKSUM_CHUNK_BYTES = 1024 * 1024;

/**
 * Checksums a local file by streaming it, so memory stays flat for any size. Throws the
 * filesystem's error (an `ENOENT`, `EACCES`, …) for the caller to classify, and an `AbortError`
 * when `signal` fires between chunks. `sizeHint`, the size the caller expects, only sizes the
 * read buffer (small files are checksummed by the thousand during a sync).
 */
export const checksumFile = async (
  path: string,
  algorithm: ChecksumAlgorithm,
  signal?: AbortSignal,
  sizeHint?: number,
): Promise<{ readonly checksum: string; readonly bytes: number }> => {
  const hasher = createHasher(algorithm);
  const fd = await open(path, "r");
  try {
    const size = sizeHint === undefined ? CHECKSUM_CHUNK_BYTES : Math.max(1, sizeHint + 1);
    const buffer = Buffer.allocUnsafe(Math.min(CHECKSUM_CHUNK_BYTES, size));
    let bytes = 0;
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await read(fd, buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hasher.update(buffer.subarray(0, bytesRead));
      bytes += bytesRead;
    }
    return { checksum: hasher.digest(), bytes };
  } finally {
    await close(fd);
  }
};
