/**
 * Globus Auth wire documents (token, revoke, introspect, userinfo, identities, consents) as zod
 * schemas, in the API's own spelling, shared by transflow's HTTP client and the local sandbox.
 * Responses are loose objects (unknown fields are kept); Auth error bodies live in `Errors.ts`.
 */
import { z } from "zod";

/** A Globus id (identity, client, consent scope): a UUID-shaped string. */
const Id = z.guid();

/**
 * One access token for one resource server, as found at the top of a token response, inside
 * its `other_tokens` and in a dependent-token grant's array.
 * @see globus-api.md §2.3
 */
export const TokenData = z.looseObject({
  access_token: z.string().min(1),
  /** Space-separated scope strings granted for this resource server. */
  scope: z.string(),
  /** Seconds from issue; every recorded response says 172800 (48 h). */
  expires_in: z.int().nonnegative(),
  /** `Bearer` (the dependent-token grant writes `bearer`). */
  token_type: z.string(),
  resource_server: z.string().min(1),
  /** Only with `access_type=offline`; a refresh may or may not rotate it. */
  refresh_token: z.string().optional(),
  /** Echo of the authorize `state` (the JS SDK's mock repeats it here; the PY fixture does not). */
  state: z.string().optional(),
});
export type TokenData = z.infer<typeof TokenData>;

/**
 * Response of `POST /v2/oauth2/token` for the authorization_code, refresh_token and
 * client_credentials grants: one token per resource server, the others in `other_tokens`.
 * @see globus-api.md §2.3
 */
export const TokenResponse = TokenData.extend({
  /** Only when the `openid` scope was requested. */
  id_token: z.string().optional(),
  /** Always present, `[]` for one resource server: the Python SDK raises KeyError without it. */
  other_tokens: z.array(TokenData),
});
export type TokenResponse = z.infer<typeof TokenResponse>;

/**
 * Response of `POST /v2/oauth2/token` with the dependent-token grant: a JSON array of tokens.
 * @see globus-api.md §2.3
 */
export const DependentTokenResponse = z.array(TokenData);
export type DependentTokenResponse = z.infer<typeof DependentTokenResponse>;

/**
 * Response of `POST /v2/oauth2/token/revoke`.
 * @see globus-api.md §2.4
 */
export const RevokeResponse = z.looseObject({ active: z.boolean() });
export type RevokeResponse = z.infer<typeof RevokeResponse>;

/**
 * Response of `POST /v2/oauth2/token/introspect`; an inactive token carries only `active: false`.
 * @see globus-api.md §2.4
 */
export const IntrospectResponse = z.looseObject({
  active: z.boolean(),
  token_type: z.string().optional(),
  scope: z.string().optional(),
  client_id: Id.optional(),
  username: z.string().optional(),
  name: z.string().nullish(),
  email: z.string().nullish(),
  /** Expiry, issue and not-before times in seconds since the epoch. */
  exp: z.int().optional(),
  iat: z.int().optional(),
  nbf: z.int().optional(),
  /** The identity id of the token's user. */
  sub: Id.optional(),
  aud: z.array(z.string()).optional(),
  iss: z.string().optional(),
  /** Only with `include=identity_set`; the element shape is not confirmed by any recording. */
  identity_set: z.array(z.unknown()).optional(),
  session_info: z.unknown().optional(),
});
export type IntrospectResponse = z.infer<typeof IntrospectResponse>;

/**
 * One identity of the user's identity set in a userinfo response.
 * @see globus-api.md §2.4
 */
export const UserInfoIdentity = z.looseObject({
  sub: Id,
  username: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  identity_provider: Id,
  identity_provider_display_name: z.string(),
  organization: z.string().nullable(),
  status: z.string(),
});
export type UserInfoIdentity = z.infer<typeof UserInfoIdentity>;

/**
 * Response of `GET /v2/oauth2/userinfo`; `preferred_username`/`name` need the `profile` scope,
 * `email` the `email` scope and `identity_set` the identity-set scope.
 * @see globus-api.md §2.4
 */
export const UserInfo = z.looseObject({
  sub: Id,
  preferred_username: z.string().optional(),
  name: z.string().nullish(),
  email: z.string().nullish(),
  identity_set: z.array(UserInfoIdentity).optional(),
});
export type UserInfo = z.infer<typeof UserInfo>;

/**
 * One identity of `GET /v2/api/identities`; `status` is `used`, `unused`, … (open-ended).
 * @see globus-api.md §2.4
 */
export const Identity = z.looseObject({
  id: Id,
  username: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  organization: z.string().nullable(),
  identity_provider: Id,
  identity_type: z.string().optional(),
  status: z.string(),
});
export type Identity = z.infer<typeof Identity>;

/**
 * Response of `GET /v2/api/identities?ids=…` or `?usernames=…`.
 * @see globus-api.md §2.4
 */
export const IdentitiesResponse = z.looseObject({ identities: z.array(Identity) });
export type IdentitiesResponse = z.infer<typeof IdentitiesResponse>;

/**
 * One consent record: a (client, scope, identity) grant; dependent consents list their chain of
 * parent consent ids, root first, in `dependency_path`.
 * @see globus-api.md §2.4
 */
export const Consent = z.looseObject({
  id: z.int(),
  client: Id,
  /** The scope's id (a UUID), not its string; the string is `scope_name`. */
  scope: Id,
  scope_name: z.string(),
  effective_identity: Id,
  dependency_path: z.array(z.int()).min(1),
  status: z.string(),
  allows_refresh: z.boolean(),
  atomically_revocable: z.boolean(),
  auto_approved: z.boolean(),
  created: z.string(),
  updated: z.string(),
  last_used: z.string().nullable(),
});
export type Consent = z.infer<typeof Consent>;

/**
 * Response of `GET /v2/api/identities/<identity_id>/consents`.
 * @see globus-api.md §2.4
 */
export const ConsentsResponse = z.looseObject({ consents: z.array(Consent) });
export type ConsentsResponse = z.infer<typeof ConsentsResponse>;
