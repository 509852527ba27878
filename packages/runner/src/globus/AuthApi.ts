/**
 * Globus Auth's OAuth endpoints: the token endpoint (`POST /v2/oauth2/token`, form-encoded) with
 * the client_credentials, refresh_token and authorization_code grants, token revocation, and
 * userinfo. Secrets travel as `Redacted` values and leave them only in the outgoing request;
 * Auth's refusals become `AuthenticationError`/`OAuthError`.
 */
import { OAuthErrorBody, RevokeResponse, TokenResponse, UserInfo } from "@transflow/core/globus";
import { Context, Effect, Layer, Redacted } from "effect";
import {
  AuthenticationError,
  type GlobusApiError,
  type GlobusHttpError,
  type GlobusResponseError,
  type GlobusUnavailableError,
  OAuthError,
  type TokenGrant,
} from "./GlobusErrors.ts";
import { GlobusHttp } from "./GlobusHttp.ts";

export interface ClientCredentialsRequest {
  readonly clientId: string;
  readonly clientSecret: Redacted.Redacted<string>;
  /** Space-separated scope strings, each possibly with dependencies in brackets. */
  readonly scope: string;
}

export interface RefreshRequest {
  readonly clientId: string;
  /** A confidential client's secret; a native client has none and sends `client_id` instead. */
  readonly clientSecret?: Redacted.Redacted<string> | undefined;
  readonly refreshToken: Redacted.Redacted<string>;
}

export interface CodeExchangeRequest {
  /** A native app: no secret, PKCE instead. */
  readonly clientId: string;
  readonly code: Redacted.Redacted<string>;
  readonly codeVerifier: Redacted.Redacted<string>;
  /** Exactly the `redirect_uri` of the authorize request. */
  readonly redirectUri: string;
}

export interface RevokeRequest {
  /** A native app's id, sent in the body (the JS SDK notes Auth needs it though undocumented). */
  readonly clientId: string;
  readonly token: Redacted.Redacted<string>;
}

/** What a token request can fail with. */
export type TokenRequestError =
  | AuthenticationError
  | OAuthError
  | GlobusUnavailableError
  | GlobusResponseError;

export interface AuthApiShape {
  readonly clientCredentials: (
    request: ClientCredentialsRequest,
  ) => Effect.Effect<TokenResponse, TokenRequestError>;
  readonly refresh: (request: RefreshRequest) => Effect.Effect<TokenResponse, TokenRequestError>;
  /** The authorization_code grant of a native app (PKCE), after the user's login. */
  readonly exchangeCode: (
    request: CodeExchangeRequest,
  ) => Effect.Effect<TokenResponse, TokenRequestError>;
  /** `POST /v2/oauth2/token/revoke`: the token stops working (a refresh token takes its access tokens). */
  readonly revoke: (request: RevokeRequest) => Effect.Effect<void, GlobusHttpError>;
  /** `GET /v2/oauth2/userinfo` with an `auth.globus.org` token carrying `openid`. */
  readonly userinfo: (
    accessToken: Redacted.Redacted<string>,
  ) => Effect.Effect<UserInfo, GlobusHttpError>;
}

const TOKEN_PATH = "/v2/oauth2/token";
const REVOKE_PATH = "/v2/oauth2/token/revoke";
const USERINFO_PATH = "/v2/oauth2/userinfo";

/** OAuth errors that say the credentials themselves are not accepted (RFC 6749 §5.2). */
const credentialErrors = ["invalid_client", "invalid_grant", "unauthorized_client"];

/** `Basic base64(client_id:client_secret)`, as the Globus SDKs send it. */
export const basicAuthorization = (
  clientId: string,
  clientSecret: Redacted.Redacted<string>,
): Redacted.Redacted<string> =>
  Redacted.make(
    `Basic ${Buffer.from(`${clientId}:${Redacted.value(clientSecret)}`).toString("base64")}`,
  );

/** Auth's answer to a grant as our error: credentials refused, or any other refusal. */
const refusal = (grant: TokenGrant, error: GlobusApiError): AuthenticationError | OAuthError => {
  const body = OAuthErrorBody.safeParse(error.body);
  const description = body.success ? body.data.error_description : undefined;
  const common = {
    grant,
    status: error.status,
    error: error.code,
    errorDescription: description,
    requestId: error.requestId,
  };
  if (error.status === 401 || credentialErrors.includes(error.code)) {
    return new AuthenticationError(common);
  }
  const details = (body.success ? (body.data.errors ?? []) : []).flatMap((item) =>
    item.detail === null || item.detail === description ? [] : [item.detail],
  );
  // A body that is not an OAuth error (a proxy page) still says something in globusMessage.
  const fallback = body.success || error.globusMessage === undefined ? [] : [error.globusMessage];
  return new OAuthError({ ...common, details: [...details, ...fallback] });
};

const make = Effect.gen(function* () {
  const http = yield* GlobusHttp;

  const grant = (
    name: TokenGrant,
    form: Readonly<Record<string, string | Redacted.Redacted<string>>>,
    authorization: Redacted.Redacted<string> | undefined,
  ) =>
    http
      .request(
        {
          service: "auth",
          method: "POST",
          path: TOKEN_PATH,
          body: { form },
          ...(authorization === undefined ? {} : { authorization }),
        },
        TokenResponse,
      )
      .pipe(
        // Retries already happened below (transport, 429, 5xx); 4xx were never retried.
        Effect.catchTags({
          GlobusApiError: (error) => Effect.fail(refusal(name, error)),
          // Auth has no ConsentRequired of Transfer's kind; keep the union honest anyway.
          ConsentRequiredError: (error) => Effect.die(error),
        }),
      );

  const clientCredentials = Effect.fn("AuthApi.clientCredentials")(function* (
    request: ClientCredentialsRequest,
  ) {
    return yield* grant(
      "client_credentials",
      { grant_type: "client_credentials", scope: request.scope },
      basicAuthorization(request.clientId, request.clientSecret),
    );
  });

  const refresh = Effect.fn("AuthApi.refresh")(function* (request: RefreshRequest) {
    const form: Record<string, string | Redacted.Redacted<string>> = {
      grant_type: "refresh_token",
      refresh_token: request.refreshToken,
    };
    // Native clients identify themselves in the body; confidential ones with Basic auth.
    if (request.clientSecret === undefined) form.client_id = request.clientId;
    return yield* grant(
      "refresh_token",
      form,
      request.clientSecret === undefined
        ? undefined
        : basicAuthorization(request.clientId, request.clientSecret),
    );
  });

  const exchangeCode = Effect.fn("AuthApi.exchangeCode")(function* (request: CodeExchangeRequest) {
    return yield* grant(
      "authorization_code",
      {
        grant_type: "authorization_code",
        code: request.code,
        code_verifier: request.codeVerifier,
        redirect_uri: request.redirectUri,
        client_id: request.clientId,
      },
      undefined,
    );
  });

  const revoke = Effect.fn("AuthApi.revoke")(function* (request: RevokeRequest) {
    yield* http.request(
      {
        service: "auth",
        method: "POST",
        path: REVOKE_PATH,
        body: { form: { token: request.token, client_id: request.clientId } },
      },
      RevokeResponse,
    );
  });

  const userinfo = Effect.fn("AuthApi.userinfo")(function* (
    accessToken: Redacted.Redacted<string>,
  ) {
    return yield* http.request(
      {
        service: "auth",
        method: "GET",
        path: USERINFO_PATH,
        authorization: Redacted.make(`Bearer ${Redacted.value(accessToken)}`),
      },
      UserInfo,
    );
  });

  return { clientCredentials, refresh, exchangeCode, revoke, userinfo } satisfies AuthApiShape;
});

/** Globus Auth's OAuth endpoints. */
export class AuthApi extends Context.Tag("transflow/AuthApi")<AuthApi, AuthApiShape>() {
  static readonly layer: Layer.Layer<AuthApi, never, GlobusHttp> = Layer.effect(this, make);
}
