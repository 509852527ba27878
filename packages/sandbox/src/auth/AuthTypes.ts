/**
 * What the rest of the sandbox asks of Globus Auth: who a bearer token belongs to, and which
 * consents an identity has granted a client. Implemented by AuthService.
 */
import type { Route } from "../server/Http.ts";

export const TRANSFER_RESOURCE_SERVER = "transfer.api.globus.org";
export const AUTH_RESOURCE_SERVER = "auth.globus.org";

/** An access token the sandbox issued, as Transfer sees it. No secret beyond the token itself. */
export interface AccessTokenInfo {
  readonly clientId: string;
  /** The user's identity, or for client credentials the client's own identity (= client id). */
  readonly identityId: string;
  readonly isClientIdentity: boolean;
  readonly resourceServer: string;
  /** Base scope strings granted for this resource server (no dependency brackets). */
  readonly scopes: readonly string[];
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** When the person last authenticated (for high-assurance checks); undefined for clients. */
  readonly authTime: number | undefined;
}

export type TokenCheck =
  | { readonly status: "active"; readonly info: AccessTokenInfo }
  | { readonly status: "expired" | "revoked" | "unknown" };

export interface AuthService {
  /** Routes under the auth base URL (`/v2/...`). */
  readonly routes: readonly Route[];
  /** Looks a bearer token up at time `now`. */
  checkAccessToken(token: string, now: number): TokenCheck;
  /** Makes a token expire now (fault injection: "the next access token expires"). */
  expireAccessToken(token: string): void;
  /**
   * Whether `identityId` has consented, for `clientId`, to Transfer using collection
   * `collectionId` (transfer:all → data_access in the consent tree), as Globus Auth records it
   * per (client, identity) — not only what one token carries.
   */
  hasDataAccessConsent(clientId: string, identityId: string, collectionId: string): boolean;
  /** Withdraws a data_access consent (admin API: "consent revoked mid-run"). */
  revokeDataAccessConsent(clientId: string, identityId: string, collectionId: string): void;
  /** Counts for /sandbox/state: tokens issued per grant, refreshes, revocations. */
  stats(): Readonly<Record<string, number>>;
}
