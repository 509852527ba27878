/**
 * The Auth resource API of the sandbox: userinfo, identity lookups, an identity's consents, and
 * the OpenID discovery document with its key set. Callers present an auth.globus.org bearer token
 * (identities also accept a confidential client's Basic credentials).
 * @see globus-api.md §2.4
 */
import { type Handler, json, type Route, route, type SandboxRequest } from "../server/Http.ts";
import { apiError } from "./AuthErrors.ts";
import {
  type AuthState,
  authBaseUrl,
  authenticateClient,
  authTokenInfo,
  isoTime,
} from "./AuthState.ts";
import type { ConsentRecord } from "./ConsentStore.ts";
import {
  identityDocument,
  identitySetEntry,
  nameBasedId,
  type SandboxIdentity,
} from "./Identities.ts";
import { JWKS_PATH, openidConfiguration } from "./IdToken.ts";
import {
  dependencyClientId,
  VIEW_CONSENTS_SCOPE,
  VIEW_IDENTITY_SET_SCOPE,
} from "./ScopeCatalog.ts";

/** Comma-separated query values, trimmed, empty parts dropped. */
const commaList = (value: string | null): string[] =>
  (value ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");

/** Query booleans as SDKs send them: `true`/`false`, Python's `True`/`False`, `1`/`0`. */
const queryFlag = (value: string | null): boolean =>
  value !== null && ["true", "1", "yes"].includes(value.toLowerCase());

/** The userinfo, identities, consents and OIDC discovery routes. */
export const apiRoutes = (state: AuthState): Route[] => {
  const { ctx } = state;
  /** Identities made by `provision=true` lookups of unknown usernames: by id and username. */
  const provisioned = new Map<string, SandboxIdentity>();

  const provision = (username: string): SandboxIdentity => {
    const id = nameBasedId("transflow-sandbox/identity", username.toLowerCase());
    const identity: SandboxIdentity = {
      id,
      username,
      name: null,
      email: null,
      organization: null,
      identityProvider: state.person.identityProvider,
      identityProviderDisplayName: state.person.identityProviderDisplayName,
      identityType: "login",
    };
    provisioned.set(id, identity);
    provisioned.set(username.toLowerCase(), identity);
    return identity;
  };

  const userinfo: Handler = (request) => {
    const info = authTokenInfo(state, request);
    if (info === undefined) return apiError(401);
    if (!info.scopes.includes("openid")) {
      return apiError(403, "userinfo needs a token issued with the openid scope");
    }
    const identity = state.directory.byId(info.identityId);
    if (identity === undefined) return apiError(401);
    const profile = info.scopes.includes("profile");
    return json(200, {
      ...(profile ? { preferred_username: identity.username, name: identity.name } : {}),
      sub: identity.id,
      ...(info.scopes.includes("email") ? { email: identity.email } : {}),
      // Which scope unlocks identity_set is unconfirmed; the identity-set scope is the likely one.
      ...(info.scopes.includes(VIEW_IDENTITY_SET_SCOPE)
        ? { identity_set: [identitySetEntry(identity)] }
        : {}),
    });
  };

  /** Identity lookups accept a user's or client's Auth token, or a confidential client's Basic. */
  const mayLookUp = (request: SandboxRequest): boolean => {
    if (authTokenInfo(state, request) !== undefined) return true;
    if (!/^Basic\s/i.test(request.headers.authorization ?? "")) return false;
    const client = authenticateClient(state, request, new URLSearchParams());
    return client.ok && client.method === "basic";
  };

  const identities: Handler = (request) => {
    if (!mayLookUp(request)) return apiError(401);
    const ids = request.query.get("ids");
    const usernames = request.query.get("usernames");
    if (ids !== null && usernames !== null) {
      return apiError(
        400,
        "ids and usernames are mutually exclusive: look identities up by one of them",
      );
    }
    const found = new Map<string, ReturnType<typeof identityDocument>>();
    for (const id of commaList(ids)) {
      const known = state.directory.byId(id);
      const made = provisioned.get(id.toLowerCase());
      if (known !== undefined) found.set(known.id, identityDocument(known));
      else if (made !== undefined) found.set(made.id, identityDocument(made, "unused"));
    }
    const mayProvision = queryFlag(request.query.get("provision"));
    for (const username of commaList(usernames)) {
      const known = state.directory.byUsername(username);
      if (known !== undefined) {
        found.set(known.id, identityDocument(known));
        continue;
      }
      const made =
        provisioned.get(username.toLowerCase()) ?? (mayProvision ? provision(username) : undefined);
      if (made !== undefined) found.set(made.id, identityDocument(made, "unused"));
    }
    return json(200, { identities: [...found.values()] });
  };

  const identity: Handler = (request) => {
    if (!mayLookUp(request)) return apiError(401);
    const id = request.params.identityId ?? "";
    const known = state.directory.byId(id);
    const made = provisioned.get(id.toLowerCase());
    if (known !== undefined) return json(200, { identity: identityDocument(known) });
    if (made !== undefined) return json(200, { identity: identityDocument(made, "unused") });
    return apiError(404, `No identity with id ${id}`);
  };

  const consentDocument = (record: ConsentRecord) => {
    const scopeName = record.path[record.path.length - 1] ?? "";
    const parent = record.path[record.path.length - 2];
    return {
      created: isoTime(record.created),
      id: record.id,
      status: "approved",
      updated: isoTime(record.updated),
      allows_refresh: true,
      dependency_path: record.dependencyPath,
      scope_name: scopeName,
      // A `*` dependency can be revoked on its own; a root consent never is.
      atomically_revocable: parent !== undefined && record.optional,
      effective_identity: record.identityId,
      auto_approved: record.autoApproved,
      // Never null: the Python SDK's Consent.load parses it with datetime.fromisoformat.
      last_used: isoTime(record.lastUsed),
      scope: nameBasedId("transflow-sandbox/scope", scopeName),
      client: parent === undefined ? record.rootClientId : dependencyClientId(ctx, parent),
    };
  };

  const consents: Handler = (request) => {
    const info = authTokenInfo(state, request);
    if (info === undefined) return apiError(401);
    const identityId = (request.params.identityId ?? "").toLowerCase();
    if (identityId !== info.identityId.toLowerCase()) {
      return apiError(403, "A token may only list the consents of its own identity");
    }
    // As the Python SDK documents: `all=true` needs view_consents; otherwise only the consents
    // rooted at the calling client are listed.
    const all = queryFlag(request.query.get("all"));
    if (all && !info.scopes.includes(VIEW_CONSENTS_SCOPE)) {
      return apiError(403, `Listing all consents needs the ${VIEW_CONSENTS_SCOPE} scope`);
    }
    const records = state.consents
      .records(info.identityId)
      .filter((record) => all || record.rootClientId === info.clientId);
    return json(200, { consents: records.map(consentDocument) });
  };

  return [
    route("GET", "/v2/oauth2/userinfo", userinfo),
    // Globus answers userinfo on POST as well (OIDC allows both).
    route("POST", "/v2/oauth2/userinfo", userinfo),
    route("GET", "/v2/api/identities", identities),
    route("GET", "/v2/api/identities/:identityId", identity),
    route("GET", "/v2/api/identities/:identityId/consents", consents),
    route("GET", "/.well-known/openid-configuration", (request) =>
      json(200, openidConfiguration(authBaseUrl(request))),
    ),
    route("GET", JWKS_PATH, () => json(200, state.idTokens.jwks())),
  ];
};
