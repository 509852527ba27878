/**
 * Access tokens, refresh tokens and authorization codes the sandbox issued, stored under their
 * SHA-256 digests. It knows lifetimes, single use, revocation and which tokens came from which
 * refresh token or code; it does not know about clients' secrets, scopes' meaning or HTTP.
 */
import type { Scope } from "@transflow/core";
import type { AccessTokenInfo, TokenCheck } from "./AuthTypes.ts";
import { randomSecret, secretDigest } from "./Secrets.ts";

/** Who and what a token is for: the part shared by an access token and its refresh token. */
export interface TokenGrant {
  readonly clientId: string;
  readonly identityId: string;
  readonly isClientIdentity: boolean;
  readonly resourceServer: string;
  /** Top-level scope strings for this resource server. */
  readonly scopes: readonly string[];
  readonly authTime: number | undefined;
}

/** What an authorization code stands for until it is exchanged. */
export interface CodeGrant {
  readonly clientId: string;
  readonly identityId: string;
  readonly redirectUri: string;
  readonly scopes: readonly Scope[];
  /** The authorize `state`, echoed in the token response; undefined when none was sent. */
  readonly state: string | undefined;
  /** S256 challenge; undefined when a confidential client did not use PKCE. */
  readonly codeChallenge: string | undefined;
  /** `access_type=offline`: refresh tokens are issued. */
  readonly offline: boolean;
  readonly authTime: number;
  readonly expiresAt: number;
}

/** The result of presenting a code: it is spent whatever the outcome. */
export type CodeRedemption =
  | { readonly status: "ok"; readonly grant: CodeGrant }
  | { readonly status: "expired" | "unknown" }
  /** Presented before: the tokens it produced have just been revoked (RFC 6749 §4.1.2). */
  | { readonly status: "reused" };

export interface TokenStore {
  /** Issues an access token (and a refresh token when asked), recording where it came from. */
  issue(
    grant: TokenGrant,
    now: number,
    options: { readonly refresh: boolean; readonly code?: string },
  ): { readonly accessToken: string; readonly refreshToken: string | undefined };
  /** A new access token from a refresh token of `clientId`; undefined when unusable. */
  refresh(
    refreshToken: string,
    clientId: string,
    now: number,
  ): { readonly accessToken: string; readonly grant: TokenGrant } | undefined;
  check(token: string, now: number): TokenCheck;
  /** Makes a live access token expire at `now`; false when there was none to expire. */
  expire(token: string, now: number): boolean;
  /**
   * Revokes an access or refresh token of `clientId` (a refresh token takes its access tokens
   * with it); other clients' and unknown tokens are left alone.
   */
  revoke(token: string, clientId: string): "access" | "refresh" | undefined;
  issueCode(grant: CodeGrant, now: number): string;
  redeemCode(code: string, now: number): CodeRedemption;
}

interface AccessRecord {
  info: AccessTokenInfo;
  revoked: boolean;
}

interface RefreshRecord {
  readonly grant: TokenGrant;
  revoked: boolean;
  readonly accessKeys: Set<string>;
}

interface CodeRecord {
  readonly grant: CodeGrant;
  used: boolean;
  /** Digests of every token issued from this code, revoked if the code is presented again. */
  readonly issuedKeys: string[];
}

/** How long a spent or expired code is remembered, so a replay is recognised as one. */
const CODE_MEMORY_MS = 60 * 60 * 1000;

/**
 * Makes an empty store; access tokens live `accessTokenLifetimeMs`. `onIssued` sees each token
 * made (the leak tests' list of what must never appear in a client's output).
 */
export const makeTokenStore = (
  accessTokenLifetimeMs: number,
  onIssued: (token: string) => void = () => {},
): TokenStore => {
  const accessTokens = new Map<string, AccessRecord>();
  const refreshTokens = new Map<string, RefreshRecord>();
  const codes = new Map<string, CodeRecord>();

  const issueAccess = (grant: TokenGrant, now: number): { token: string; key: string } => {
    const token = randomSecret();
    onIssued(token);
    const key = secretDigest(token);
    accessTokens.set(key, {
      info: {
        ...grant,
        scopes: [...grant.scopes],
        issuedAt: now,
        expiresAt: now + accessTokenLifetimeMs,
      },
      revoked: false,
    });
    return { token, key };
  };

  const revokeKey = (key: string): void => {
    const access = accessTokens.get(key);
    if (access !== undefined) access.revoked = true;
    const refresh = refreshTokens.get(key);
    if (refresh !== undefined) {
      refresh.revoked = true;
      for (const accessKey of refresh.accessKeys) revokeKey(accessKey);
    }
  };

  return {
    issue: (grant, now, options) => {
      const code = options.code === undefined ? undefined : codes.get(secretDigest(options.code));
      const access = issueAccess(grant, now);
      code?.issuedKeys.push(access.key);
      if (!options.refresh) return { accessToken: access.token, refreshToken: undefined };
      const refreshToken = randomSecret();
      onIssued(refreshToken);
      const refreshKey = secretDigest(refreshToken);
      refreshTokens.set(refreshKey, { grant, revoked: false, accessKeys: new Set([access.key]) });
      code?.issuedKeys.push(refreshKey);
      return { accessToken: access.token, refreshToken };
    },

    refresh: (refreshToken, clientId, now) => {
      const record = refreshTokens.get(secretDigest(refreshToken));
      if (record === undefined || record.revoked || record.grant.clientId !== clientId) {
        return undefined;
      }
      const access = issueAccess(record.grant, now);
      record.accessKeys.add(access.key);
      return { accessToken: access.token, grant: record.grant };
    },

    check: (token, now) => {
      const record = accessTokens.get(secretDigest(token));
      if (record === undefined) return { status: "unknown" };
      if (record.revoked) return { status: "revoked" };
      if (now >= record.info.expiresAt) return { status: "expired" };
      return { status: "active", info: record.info };
    },

    expire: (token, now) => {
      const record = accessTokens.get(secretDigest(token));
      if (record === undefined || record.revoked || record.info.expiresAt <= now) return false;
      record.info = { ...record.info, expiresAt: now };
      return true;
    },

    revoke: (token, clientId) => {
      const key = secretDigest(token);
      const access = accessTokens.get(key);
      if (access !== undefined && access.info.clientId === clientId) {
        revokeKey(key);
        return "access";
      }
      const refresh = refreshTokens.get(key);
      if (refresh !== undefined && refresh.grant.clientId === clientId) {
        revokeKey(key);
        return "refresh";
      }
      return undefined;
    },

    issueCode: (grant, now) => {
      // Forget codes long past their expiry, so a sandbox that runs for days does not grow.
      for (const [key, record] of codes) {
        if (record.grant.expiresAt + CODE_MEMORY_MS < now) codes.delete(key);
      }
      const code = randomSecret();
      codes.set(secretDigest(code), { grant, used: false, issuedKeys: [] });
      return code;
    },

    redeemCode: (code, now) => {
      const record = codes.get(secretDigest(code));
      if (record === undefined) return { status: "unknown" };
      if (record.used) {
        for (const key of record.issuedKeys) revokeKey(key);
        return { status: "reused" };
      }
      record.used = true;
      if (now >= record.grant.expiresAt) return { status: "expired" };
      return { status: "ok", grant: record.grant };
    },
  };
};
