/**
 * PKCE (RFC 7636) as Globus Auth uses it: only the S256 method, a 43-character challenge, and a
 * verifier of 43–128 unreserved characters. Pure checks; storing the challenge is the caller's job.
 */
import { createHash } from "node:crypto";
import { secretsEqual } from "./Secrets.ts";

/** The only `code_challenge_method` accepted; `plain` is refused (it protects nothing). */
export const PKCE_METHOD = "S256";

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** base64url of a SHA-256 digest, unpadded: always 43 characters. */
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** Whether `verifier` is a well-formed `code_verifier` (RFC 7636 §4.1). */
export const isCodeVerifier = (verifier: string): boolean => VERIFIER.test(verifier);

/** Whether `challenge` can be an S256 `code_challenge`. */
export const isCodeChallenge = (challenge: string): boolean => CHALLENGE.test(challenge);

/** The S256 challenge of a verifier: base64url(SHA-256(verifier)) without padding. */
export const s256Challenge = (verifier: string): string =>
  createHash("sha256").update(verifier, "ascii").digest("base64url");

/** Whether `verifier` is well formed and hashes to `challenge` (compared in constant time). */
export const verifyS256 = (verifier: string, challenge: string): boolean =>
  isCodeVerifier(verifier) && secretsEqual(s256Challenge(verifier), challenge);
