/**
 * The Auth service's secrets: fresh opaque tokens and codes, the digests they are stored under and
 * constant-time comparison. Secrets come from node:crypto only, never from the seeded random source
 * (which exists to make faults reproducible, not unguessable).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** Bytes of randomness in every token, code and pending-request id. */
export const SECRET_BYTES = 32;

/** A fresh opaque secret: {@link SECRET_BYTES} random bytes, base64url without padding. */
export const randomSecret = (): string => randomBytes(SECRET_BYTES).toString("base64url");

const sha256 = (text: string): Buffer => createHash("sha256").update(text, "utf8").digest();

/**
 * The key a secret is stored under. Stores hold digests, not tokens, so a dump of the sandbox's
 * state (or a stray debug print) never contains a usable token.
 */
export const secretDigest = (secret: string): string => sha256(secret).toString("base64url");

/**
 * Constant-time equality for strings of any length: both sides are hashed first, so
 * `timingSafeEqual` always compares equal-length digests and the time says nothing about where
 * the inputs differ or how long the expected one is.
 */
export const secretsEqual = (given: string, expected: string): boolean =>
  timingSafeEqual(sha256(given), sha256(expected));
