/**
 * The OAuth endpoints of the sandbox's Auth: `POST /v2/oauth2/token` (authorization_code,
 * refresh_token, client_credentials), introspect and revoke. One token per resource server, the
 * rest in `other_tokens`; error bodies as recorded from Globus (reference §2.3, §2.4, §2.6).
 */
import { parseScopes, type Scope } from "@transflow/core";
import type { ClientConfig } from "../config/SandboxConfig.ts";
import {
  formBody,
  type Handler,
  type JsonResponse,
  json,
  type Route,
  route,
  type SandboxRequest,
} from "../server/Http.ts";
import {
  invalidClient,
  invalidGrant,
  NO_STORE,
  oauthError,
  unknownScopeError,
} from "./AuthErrors.ts";
import { type AuthState, authBaseUrl, authenticateClient, epochSeconds } from "./AuthState.ts";
import { AUTH_RESOURCE_SERVER } from "./AuthTypes.ts";
import { idTokenClaims } from "./IdToken.ts";
import { verifyS256 } from "./Pkce.ts";
import {
  consentNodeCount,
  MAX_CONSENT_NODES,
  scopesByResourceServer,
  unknownScopeNames,
} from "./ScopeCatalog.ts";

/** The grant a service uses to act for a user downstream; the sandbox has no such service. */
const DEPENDENT_TOKEN_GRANT = "urn:globus:auth:grant_type:dependent_token";

/** What one successful grant hands out. */
interface TokenIssue {
  readonly client: ClientConfig;
  readonly identityId: string;
  readonly isClientIdentity: boolean;
  readonly scopes: readonly Scope[];
  readonly authTime: number | undefined;
  readonly offline: boolean;
  /** The code exchanged, so a replay of it can revoke what it produced. */
  readonly code: string | undefined;
  /** Echoed at the top level: authorization_code only. */
  readonly state: string | undefined;
  /** Add an id_token when `openid` was granted: authorization_code only, as in the fixtures. */
  readonly idToken: boolean;
}

/** The token, introspect and revoke routes. */
export const tokenRoutes = (state: AuthState): Route[] => {
  const { ctx } = state;
  const lifetimeSeconds = ctx.config.accessTokenLifetimeSeconds;

  const issueTokens = (request: SandboxRequest, issue: TokenIssue): JsonResponse => {
    const groups = scopesByResourceServer(ctx, issue.scopes);
    const tokens = [...groups].map(([resourceServer, names]) => {
      const issued = state.tokens.issue(
        {
          clientId: issue.client.id,
          identityId: issue.identityId,
          isClientIdentity: issue.isClientIdentity,
          resourceServer,
          scopes: names,
          authTime: issue.authTime,
        },
        request.now,
        { refresh: issue.offline, ...(issue.code === undefined ? {} : { code: issue.code }) },
      );
      return {
        access_token: issued.accessToken,
        scope: names.join(" "),
        expires_in: lifetimeSeconds,
        token_type: "Bearer",
        resource_server: resourceServer,
        ...(issued.refreshToken === undefined ? {} : { refresh_token: issued.refreshToken }),
      };
    });
    const [top, ...others] = tokens;
    if (top === undefined) return oauthError("invalid_scope", "No scope was granted.");
    state.counters.accessTokensIssued += tokens.length;
    state.consents.touch(
      issue.client.id,
      issue.identityId,
      issue.scopes.map((scope) => scope.name),
      request.now,
    );

    const authScopes = groups.get(AUTH_RESOURCE_SERVER) ?? [];
    const identity = state.directory.byId(issue.identityId);
    const idToken =
      issue.idToken && authScopes.includes("openid") && identity !== undefined
        ? state.idTokens.sign(
            idTokenClaims({
              issuer: authBaseUrl(request),
              clientId: issue.client.id,
              identity,
              scopes: authScopes,
              issuedAt: request.now,
              lifetimeSeconds,
              authTime: issue.authTime,
            }),
          )
        : undefined;
    return json(
      200,
      {
        ...top,
        ...(issue.state === undefined ? {} : { state: issue.state }),
        ...(idToken === undefined ? {} : { id_token: idToken }),
        other_tokens: others,
      },
      NO_STORE,
    );
  };

  const authorizationCode = (
    request: SandboxRequest,
    form: URLSearchParams,
    client: ClientConfig,
  ): JsonResponse => {
    const code = form.get("code");
    if (code === null || code === "") return oauthError("invalid_request", "code is required.");
    // Spent on first presentation, whatever happens next: a guessed verifier gets one try.
    const redeemed = state.tokens.redeemCode(code, request.now);
    if (redeemed.status !== "ok") return invalidGrant();
    const grant = redeemed.grant;
    if (grant.clientId !== client.id || form.get("redirect_uri") !== grant.redirectUri) {
      return invalidGrant();
    }
    if (grant.codeChallenge !== undefined) {
      const verifier = form.get("code_verifier");
      if (verifier === null || !verifyS256(verifier, grant.codeChallenge)) return invalidGrant();
    }
    state.counters.authorizationCodeGrants++;
    return issueTokens(request, {
      client,
      identityId: grant.identityId,
      isClientIdentity: false,
      scopes: grant.scopes,
      authTime: grant.authTime,
      offline: grant.offline,
      code,
      state: grant.state,
      idToken: true,
    });
  };

  const refreshToken = (
    request: SandboxRequest,
    form: URLSearchParams,
    client: ClientConfig,
  ): JsonResponse => {
    const token = form.get("refresh_token");
    if (token === null || token === "") {
      return oauthError("invalid_request", "refresh_token is required.");
    }
    const refreshed = state.tokens.refresh(token, client.id, request.now);
    if (refreshed === undefined) return invalidGrant();
    state.counters.refreshes++;
    state.counters.accessTokensIssued++;
    const { grant } = refreshed;
    state.consents.touch(client.id, grant.identityId, grant.scopes, request.now);
    // The refresh token is not rotated: the same one is returned, so clients that store whatever
    // comes back and clients that keep the old one both keep working.
    return json(
      200,
      {
        access_token: refreshed.accessToken,
        scope: grant.scopes.join(" "),
        expires_in: lifetimeSeconds,
        token_type: "Bearer",
        resource_server: grant.resourceServer,
        refresh_token: token,
        other_tokens: [],
      },
      NO_STORE,
    );
  };

  const clientCredentials = (
    request: SandboxRequest,
    form: URLSearchParams,
    client: ClientConfig,
  ): JsonResponse => {
    const text = form.get("scope");
    if (text === null || text.trim() === "") {
      return oauthError("invalid_request", "scope is required for the client_credentials grant.");
    }
    const parsed = parseScopes(text);
    if (!parsed.ok) return oauthError("invalid_scope", parsed.error);
    if (consentNodeCount(parsed.scopes, MAX_CONSENT_NODES) > MAX_CONSENT_NODES) {
      return oauthError(
        "invalid_scope",
        `The scope tree expands to more than ${MAX_CONSENT_NODES} consents.`,
      );
    }
    const unknown = unknownScopeNames(ctx, parsed.scopes);
    if (unknown.length > 0) return unknownScopeError(client.id, unknown);
    // The client acts as itself: its consents are recorded for its own identity, which is how
    // globus-cli fixes a ConsentRequired as a client (the new token is thrown away).
    const granted = state.consents.grant(client.id, client.id, parsed.scopes, request.now, true);
    if (!granted.ok) return oauthError("invalid_scope", granted.error);
    state.counters.clientCredentialsGrants++;
    return issueTokens(request, {
      client,
      identityId: client.id,
      isClientIdentity: true,
      scopes: parsed.scopes,
      authTime: undefined,
      offline: false,
      code: undefined,
      state: undefined,
      idToken: false,
    });
  };

  const token: Handler = (request) => {
    const form = formBody(request);
    const grantType = form.get("grant_type");
    if (grantType === null || grantType === "") {
      state.counters.rejectedTokenRequests++;
      return oauthError("invalid_request", "grant_type is required.");
    }
    const auth = authenticateClient(state, request, form);
    if (!auth.ok) {
      state.counters.rejectedTokenRequests++;
      return invalidClient();
    }
    const response = ((): JsonResponse => {
      switch (grantType) {
        case "authorization_code":
          return authorizationCode(request, form, auth.client);
        case "refresh_token":
          return refreshToken(request, form, auth.client);
        case "client_credentials":
          // Only a confidential client, with its secret, may act as itself.
          return auth.method === "basic"
            ? clientCredentials(request, form, auth.client)
            : invalidClient();
        case DEPENDENT_TOKEN_GRANT:
          return oauthError(
            "unsupported_grant_type",
            "The sandbox has no services that act for users, so it does not issue dependent tokens.",
          );
        default:
          return oauthError("unsupported_grant_type", "This grant_type is not supported.");
      }
    })();
    if (response.status !== 200) state.counters.rejectedTokenRequests++;
    return response;
  };

  const introspect: Handler = (request) => {
    const form = formBody(request);
    const auth = authenticateClient(state, request, form);
    // Resource servers introspect with their own credentials: a native app has none.
    if (!auth.ok || auth.method !== "basic") return invalidClient();
    const token = form.get("token");
    if (token === null || token === "") return oauthError("invalid_request", "token is required.");
    const check = state.tokens.check(token, request.now);
    if (check.status !== "active") return json(200, { active: false }, NO_STORE);
    const { info } = check;
    const identity = state.directory.byId(info.identityId);
    const include = new Set(
      (form.get("include") ?? "")
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part !== ""),
    );
    return json(
      200,
      {
        active: true,
        token_type: "Bearer",
        scope: info.scopes.join(" "),
        client_id: info.clientId,
        username: identity?.username ?? info.identityId,
        name: identity?.name ?? null,
        email: identity?.email ?? null,
        exp: epochSeconds(info.expiresAt),
        iat: epochSeconds(info.issuedAt),
        nbf: epochSeconds(info.issuedAt),
        sub: info.identityId,
        aud: [info.resourceServer, info.clientId],
        iss: authBaseUrl(request),
        // Element shape unconfirmed by any recording: identity ids, as the SDK docstring prints.
        ...(include.has("identity_set") ? { identity_set: [info.identityId] } : {}),
        ...(include.has("session_info")
          ? {
              session_info: {
                session_id: null,
                authentications:
                  info.authTime === undefined || identity === undefined
                    ? {}
                    : {
                        [info.identityId]: {
                          auth_time: epochSeconds(info.authTime),
                          idp: identity.identityProvider,
                        },
                      },
              },
            }
          : {}),
      },
      NO_STORE,
    );
  };

  const revoke: Handler = (request) => {
    const form = formBody(request);
    const auth = authenticateClient(state, request, form);
    if (!auth.ok) return invalidClient();
    const token = form.get("token");
    if (token === null || token === "") return oauthError("invalid_request", "token is required.");
    // RFC 7009: the answer is the same for unknown tokens and other clients' tokens.
    if (state.tokens.revoke(token, auth.client.id) !== undefined) state.counters.revocations++;
    return json(200, { active: false }, NO_STORE);
  };

  return [
    route("POST", "/v2/oauth2/token", token),
    route("POST", "/v2/oauth2/token/introspect", introspect),
    route("POST", "/v2/oauth2/token/revoke", revoke),
  ];
};
