/**
 * What the Auth routes share: the stores, the identity directory, the one person's login session,
 * counters, and the request helpers every route needs (Auth base URL, client authentication,
 * the caller's Auth token). Route modules hold no state of their own beyond one-time ids.
 */
import type { ClientConfig, IdentityConfig } from "../config/SandboxConfig.ts";
import type { SandboxContext } from "../server/Context.ts";
import { basicCredentials, bearerToken, type SandboxRequest } from "../server/Http.ts";
import { type AccessTokenInfo, AUTH_RESOURCE_SERVER } from "./AuthTypes.ts";
import { type ConsentStore, makeConsentStore } from "./ConsentStore.ts";
import { type IdentityDirectory, makeIdentityDirectory } from "./Identities.ts";
import { type IdTokenSigner, makeIdTokenSigner } from "./IdToken.ts";
import { secretsEqual } from "./Secrets.ts";
import { makeTokenStore, type TokenStore } from "./TokenStore.ts";

/** Names of the counters `stats()` reports. */
export type CounterName =
  | "authorizationCodeGrants"
  | "clientCredentialsGrants"
  | "refreshes"
  | "revocations"
  | "accessTokensIssued"
  | "rejectedTokenRequests"
  | "consentsGranted"
  | "consentRevocations"
  | "tokensExpiredByFault";

export interface AuthState {
  readonly ctx: SandboxContext;
  readonly clients: ReadonlyMap<string, ClientConfig>;
  /** The sandbox's one person: the first configured identity. */
  readonly person: IdentityConfig;
  readonly directory: IdentityDirectory;
  readonly tokens: TokenStore;
  readonly consents: ConsentStore;
  readonly idTokens: IdTokenSigner;
  readonly counters: Record<CounterName, number>;
  /**
   * When the person last logged in (the browser session); undefined before the first login. A
   * later authorize reuses it unless it asks for a fresh login (`prompt=login`, session_*).
   */
  sessionAuthTime: number | undefined;
}

/** Builds the shared state; fails only on a configuration the schema should have refused. */
export const makeAuthState = (ctx: SandboxContext): AuthState => {
  const person = ctx.config.identities[0];
  if (person === undefined) throw new Error("the sandbox configuration lists no identity");
  return {
    ctx,
    clients: new Map(ctx.config.clients.map((client) => [client.id, client])),
    person,
    directory: makeIdentityDirectory(ctx.config.identities, ctx.config.clients),
    tokens: makeTokenStore(ctx.config.accessTokenLifetimeSeconds * 1000, ctx.onTokenIssued),
    consents: makeConsentStore(),
    idTokens: makeIdTokenSigner(),
    counters: {
      authorizationCodeGrants: 0,
      clientCredentialsGrants: 0,
      refreshes: 0,
      revocations: 0,
      accessTokensIssued: 0,
      rejectedTokenRequests: 0,
      consentsGranted: 0,
      consentRevocations: 0,
      tokensExpiredByFault: 0,
    },
    sessionAuthTime: undefined,
  };
};

const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The Auth base URL the caller used: `http://<Host>/auth`. The sandbox serves plain HTTP on
 * loopback; without a usable Host header it falls back to 127.0.0.1.
 */
export const authBaseUrl = (request: SandboxRequest): string => {
  const host = request.headers.host;
  return `http://${typeof host === "string" && HOST.test(host) ? host : "127.0.0.1"}/auth`;
};

/** The native apps' default redirect: a page that shows the code to copy (reference §2.2). */
export const nativeRedirectUri = (base: string): string => `${base}/v2/web/auth-code`;

/** How a client proved who it is at a token endpoint. */
export type ClientAuthentication =
  | { readonly ok: true; readonly client: ClientConfig; readonly method: "basic" | "client_id" }
  | { readonly ok: false };

// Compared against when the client is unknown, so a miss costs the same as a wrong secret.
const NO_SECRET = "no client secret: the comparison only keeps timing even";

/**
 * Confidential clients authenticate with HTTP Basic; native clients name themselves with
 * `client_id` in the form and have nothing to prove. A confidential client without Basic, a
 * native client with Basic, a wrong secret or a second, different `client_id` all fail.
 */
export const authenticateClient = (
  state: AuthState,
  request: SandboxRequest,
  form: URLSearchParams,
): ClientAuthentication => {
  const bodyClientId = form.get("client_id");
  if (request.headers.authorization !== undefined) {
    const basic = basicCredentials(request);
    if (basic === undefined) return { ok: false };
    const client = state.clients.get(basic.id);
    const matches = secretsEqual(basic.secret, client?.secret ?? NO_SECRET);
    if (client === undefined || client.type !== "confidential" || client.secret === undefined) {
      return { ok: false };
    }
    if (!matches || (bodyClientId !== null && bodyClientId !== client.id)) return { ok: false };
    return { ok: true, client, method: "basic" };
  }
  const client = bodyClientId === null ? undefined : state.clients.get(bodyClientId);
  if (client === undefined || client.type !== "native") return { ok: false };
  return { ok: true, client, method: "client_id" };
};

/** The caller's active access token for auth.globus.org, if it sent one. */
export const authTokenInfo = (
  state: AuthState,
  request: SandboxRequest,
): AccessTokenInfo | undefined => {
  const token = bearerToken(request);
  if (token === undefined) return undefined;
  const check = state.tokens.check(token, request.now);
  if (check.status !== "active" || check.info.resourceServer !== AUTH_RESOURCE_SERVER) {
    return undefined;
  }
  return check.info;
};

/**
 * A time as Globus Auth writes it (`2024-03-18T17:32:51.496000+00:00`): microseconds and an
 * explicit offset, which Python's `datetime.fromisoformat` reads on every version.
 */
export const isoTime = (ms: number): string =>
  `${new Date(ms).toISOString().slice(0, 23)}000+00:00`;

/** Seconds since the epoch, as JWT and introspect times are. */
export const epochSeconds = (ms: number): number => Math.floor(ms / 1000);
