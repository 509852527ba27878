/**
 * OpenID Connect for the sandbox: RS512-signed id_tokens, the JWK set that verifies them and the
 * discovery document, so SDKs that verify id_tokens (the Python SDK's GlobusApp does) work. The
 * signing key is made on first use, kept in memory, and never leaves the process.
 */
import { createHash, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { identitySetEntry, type SandboxIdentity } from "./Identities.ts";
import { VIEW_IDENTITY_SET_SCOPE } from "./ScopeCatalog.ts";

/** Globus Auth signs id_tokens with RS512. */
export const ID_TOKEN_ALGORITHM = "RS512";

/** Path of the JWK set under the Auth base URL, as Globus names it. */
export const JWKS_PATH = "/jwk.json";

export interface IdTokenSigner {
  /** A compact JWS of `claims`. */
  sign(claims: Readonly<Record<string, unknown>>): string;
  /** The public key set, as `jwks_uri` serves it. */
  jwks(): { readonly keys: readonly Record<string, unknown>[] };
}

interface SigningKey {
  readonly privateKey: KeyObject;
  readonly kid: string;
  readonly jwk: Record<string, unknown>;
}

const base64urlJson = (value: unknown): string =>
  Buffer.from(JSON.stringify(value), "utf8").toString("base64url");

const makeSigningKey = (): SigningKey => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("base64url")
    .slice(0, 16);
  const jwk = { ...publicKey.export({ format: "jwk" }), alg: ID_TOKEN_ALGORITHM, use: "sig", kid };
  return { privateKey, kid, jwk };
};

/**
 * One key per process, made on first use: generating an RSA key takes a noticeable fraction of a
 * second, most runs never need one, and a test suite builds many Auth services in one process.
 */
let processKey: SigningKey | undefined;
const signingKey = (): SigningKey => {
  processKey ??= makeSigningKey();
  return processKey;
};

/** A signer of id_tokens with the process's RS512 key. */
export const makeIdTokenSigner = (): IdTokenSigner => ({
  sign: (claims) => {
    const { privateKey, kid } = signingKey();
    const input = `${base64urlJson({ alg: ID_TOKEN_ALGORITHM, typ: "JWT", kid })}.${base64urlJson(claims)}`;
    // RSA keys sign with PKCS #1 v1.5 by default: with SHA-512 that is exactly RS512.
    const signature = sign("sha512", Buffer.from(input, "utf8"), privateKey);
    return `${input}.${signature.toString("base64url")}`;
  },
  jwks: () => ({ keys: [signingKey().jwk] }),
});

/**
 * The claims of an id_token, by granted scope as Globus fills them: `profile` adds the names,
 * `email` the address, the identity-set scope the linked identities.
 */
export const idTokenClaims = (options: {
  readonly issuer: string;
  readonly clientId: string;
  readonly identity: SandboxIdentity;
  readonly scopes: readonly string[];
  readonly issuedAt: number;
  readonly lifetimeSeconds: number;
  readonly authTime: number | undefined;
}): Record<string, unknown> => {
  const { identity, scopes } = options;
  const iat = Math.floor(options.issuedAt / 1000);
  return {
    sub: identity.id,
    ...(scopes.includes("profile")
      ? {
          organization: identity.organization,
          name: identity.name,
          preferred_username: identity.username,
          identity_provider: identity.identityProvider,
          identity_provider_display_name: identity.identityProviderDisplayName,
        }
      : {}),
    ...(scopes.includes("email") ? { email: identity.email } : {}),
    ...(options.authTime === undefined
      ? {}
      : { last_authentication: Math.floor(options.authTime / 1000) }),
    ...(scopes.includes(VIEW_IDENTITY_SET_SCOPE)
      ? { identity_set: [identitySetEntry(identity)] }
      : {}),
    iss: options.issuer,
    aud: options.clientId,
    exp: iat + options.lifetimeSeconds,
    iat,
  };
};

/**
 * `GET /.well-known/openid-configuration` for an Auth base URL. The Python SDK reads `jwks_uri`
 * and `id_token_signing_alg_values_supported` from it before verifying an id_token.
 */
export const openidConfiguration = (base: string) => ({
  issuer: base,
  authorization_endpoint: `${base}/v2/oauth2/authorize`,
  token_endpoint: `${base}/v2/oauth2/token`,
  userinfo_endpoint: `${base}/v2/oauth2/userinfo`,
  revocation_endpoint: `${base}/v2/oauth2/token/revoke`,
  introspection_endpoint: `${base}/v2/oauth2/token/introspect`,
  jwks_uri: `${base}${JWKS_PATH}`,
  response_types_supported: ["code"],
  grant_types_supported: ["authorization_code", "refresh_token", "client_credentials"],
  subject_types_supported: ["public"],
  id_token_signing_alg_values_supported: [ID_TOKEN_ALGORITHM],
  scopes_supported: ["openid", "email", "profile"],
  token_endpoint_auth_methods_supported: ["client_secret_basic"],
  code_challenge_methods_supported: ["S256"],
  claims_supported: [
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "name",
    "preferred_username",
    "email",
    "organization",
    "identity_provider",
    "identity_provider_display_name",
    "identity_set",
    "last_authentication",
  ],
});
