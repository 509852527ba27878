/**
 * The sandbox's Globus Auth: its routes (authorize, token, introspect, revoke, userinfo,
 * identities, consents, OIDC discovery) and what Transfer asks of it (token checks, data_access
 * consents). State lives in memory for the life of the process; nothing here logs a token.
 */
import { dataAccessScope, TRANSFER_ALL_SCOPE, transferScopeWithDataAccess } from "@transflow/core";
import {
  ConsentsResponse,
  IdentitiesResponse,
  IntrospectResponse,
  RevokeResponse,
  TokenResponse,
  UserInfo,
} from "@transflow/core/globus";
import type { z } from "zod";
import type { SandboxContext } from "../server/Context.ts";
import type { Route } from "../server/Http.ts";
import { apiRoutes } from "./ApiRoutes.ts";
import { authorizeRoutes } from "./AuthorizeRoutes.ts";
import { makeAuthState } from "./AuthState.ts";
import type { AuthService } from "./AuthTypes.ts";
import { tokenRoutes } from "./TokenRoutes.ts";

/** The wire schema each JSON route's 2xx body must satisfy (checked with --check-wire). */
const wireSchemas: Readonly<Record<string, z.ZodType>> = {
  "POST /v2/oauth2/token": TokenResponse,
  "POST /v2/oauth2/token/introspect": IntrospectResponse,
  "POST /v2/oauth2/token/revoke": RevokeResponse,
  "GET /v2/oauth2/userinfo": UserInfo,
  "POST /v2/oauth2/userinfo": UserInfo,
  "GET /v2/api/identities": IdentitiesResponse,
  "GET /v2/api/identities/:identityId/consents": ConsentsResponse,
};

const withWireSchemas = (routes: readonly Route[]): Route[] =>
  routes.map((r) => {
    const schema = wireSchemas[`${r.method} ${r.pattern}`];
    return schema ? { ...r, response: schema } : r;
  });

/**
 * Makes the Auth service for a sandbox context. The person who logs in is the first configured
 * identity; `ctx.config.autoApprove` skips the consent page.
 *
 * Routes, relative to the Auth base URL (`/auth` on the sandbox server):
 * - `GET /v2/oauth2/authorize`, `POST /v2/oauth2/authorize/decision`, `GET /v2/web/auth-code`
 * - `POST /v2/oauth2/token`, `POST /v2/oauth2/token/introspect`, `POST /v2/oauth2/token/revoke`
 * - `GET|POST /v2/oauth2/userinfo`, `GET /v2/api/identities`, `GET /v2/api/identities/:id`,
 *   `GET /v2/api/identities/:id/consents`
 * - `GET /.well-known/openid-configuration`, `GET /jwk.json`
 *
 * @see globus-api.md §2
 */
export const makeAuthService = (ctx: SandboxContext): AuthService => {
  const state = makeAuthState(ctx);
  return {
    routes: withWireSchemas([
      ...authorizeRoutes(state),
      ...tokenRoutes(state),
      ...apiRoutes(state),
    ]),

    checkAccessToken: (token, now) => state.tokens.check(token, now),

    expireAccessToken: (token) => {
      if (state.tokens.expire(token, ctx.now())) state.counters.tokensExpiredByFault++;
    },

    hasDataAccessConsent: (clientId, identityId, collectionId) =>
      state.consents.containsAll(clientId, identityId, [
        transferScopeWithDataAccess([collectionId]),
      ]),

    revokeDataAccessConsent: (clientId, identityId, collectionId) => {
      const removed = state.consents.removeDependency(
        clientId,
        identityId,
        TRANSFER_ALL_SCOPE,
        dataAccessScope(collectionId),
      );
      if (removed) state.counters.consentRevocations++;
    },

    stats: () => ({ ...state.counters }),
  };
};
