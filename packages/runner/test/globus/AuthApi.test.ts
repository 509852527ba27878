import { describe, expect, it } from "@effect/vitest";
import { Effect, Layer, Redacted } from "effect";
import { AuthApi } from "../../src/globus/AuthApi.ts";
import {
  CLIENT_ID,
  CLIENT_SECRET,
  fixture,
  type Handler,
  httpLayer,
  makeFakeHttp,
  runWithClock,
  tokenResponse,
} from "./support.ts";

const REFRESH_TOKEN = "RefreshTokenThatMustStayHidden";
const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString("base64")}`;

const withAuth = <A, E>(handler: Handler, use: (auth: AuthApi["Type"]) => Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const fake = yield* makeFakeHttp(handler);
    const result = yield* Effect.gen(function* () {
      return yield* runWithClock(Effect.either(use(yield* AuthApi)));
    }).pipe(Effect.provide(AuthApi.layer.pipe(Layer.provide(httpLayer(fake)))));
    const requests = yield* fake.requests.get;
    return { result, requests };
  });

const clientCredentials = (auth: AuthApi["Type"]) =>
  auth.clientCredentials({
    clientId: CLIENT_ID,
    clientSecret: Redacted.make(CLIENT_SECRET),
    scope: "urn:globus:auth:scope:transfer.api.globus.org:all",
  });

/** Every way an error could show a secret. */
const renderings = (error: unknown) => [
  String(error),
  JSON.stringify(error),
  (error as Error).message,
];

describe("AuthApi.clientCredentials", () => {
  it.effect("posts the grant form with Basic auth and decodes the token response", () =>
    Effect.gen(function* () {
      const body = fixture("auth/oauth2_token_client_credentials");
      const { result, requests } = yield* withAuth(
        () => ({ status: 200, json: body }),
        clientCredentials,
      );
      expect(result._tag === "Right" && result.right).toEqual(body);
      const [request] = requests;
      expect(request?.method).toBe("POST");
      expect(request?.url.href).toBe("https://auth.test.example/v2/oauth2/token");
      expect(request?.headers.authorization).toBe(basic);
      expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
        grant_type: "client_credentials",
        scope: "urn:globus:auth:scope:transfer.api.globus.org:all",
      });
    }),
  );

  it.effect("keeps other_tokens", () =>
    Effect.gen(function* () {
      const { other_tokens: _, ...authToken } = tokenResponse("b", {
        resource_server: "auth.globus.org",
      });
      const body = tokenResponse("a", { other_tokens: [authToken] });
      const { result } = yield* withAuth(() => ({ status: 200, json: body }), clientCredentials);
      expect(result._tag === "Right" && result.right).toEqual(body);
    }),
  );

  it.effect("turns an unknown scope (400) into OAuthError without retrying", () =>
    Effect.gen(function* () {
      const refusal = {
        errors: [
          {
            id: "e1",
            status: "400",
            title: "Unknown scope(s)",
            detail: `client_id=${CLIENT_ID} requested unknown scopes: ['https://auth.globus.org/scopes/x/data_access']`,
            code: "UNKNOWN_SCOPE_ERROR",
          },
        ],
        error: "unknown_scope_error",
        error_description: "Unknown scope(s)",
      };
      const { result, requests } = yield* withAuth(
        () => ({ status: 400, json: refusal }),
        clientCredentials,
      );
      expect(requests).toHaveLength(1);
      const error = result._tag === "Left" ? result.left : undefined;
      expect(error?._tag).toBe("OAuthError");
      expect(error?.message).toBe(
        `Globus Auth refused the client_credentials grant with 400 unknown_scope_error: Unknown scope(s) (client_id=${CLIENT_ID} requested unknown scopes: ['https://auth.globus.org/scopes/x/data_access']) (request_id e1)`,
      );
      for (const text of renderings(error)) expect(text).not.toContain(CLIENT_SECRET);
    }),
  );

  it.effect("turns invalid_client (401) into AuthenticationError without retrying", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* withAuth(
        () => ({ status: 401, json: { error: "invalid_client" } }),
        clientCredentials,
      );
      expect(requests).toHaveLength(1);
      const error = result._tag === "Left" ? result.left : undefined;
      expect(error?._tag).toBe("AuthenticationError");
      expect(error?.message).toBe("Globus Auth refused the client credentials: 401 invalid_client");
      for (const text of renderings(error)) {
        expect(text).not.toContain(CLIENT_SECRET);
        expect(text).not.toContain(basic.slice(6));
      }
    }),
  );

  it.effect("retries a 500 from the token endpoint, then reports it as OAuthError", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* withAuth(
        () => ({ status: 500, json: fixture("errors/auth_token_unexpected_error") }),
        clientCredentials,
      );
      expect(requests).toHaveLength(6);
      const error = result._tag === "Left" ? result.left : undefined;
      expect(error?._tag).toBe("OAuthError");
      expect(error?.message).toContain("500 unexpected_error: An unexpected error occurred.");
    }),
  );

  it.effect("retries a dropped connection and succeeds", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* withAuth(
        (_, attempt) =>
          attempt === 1
            ? "reset"
            : { status: 200, json: fixture("auth/oauth2_token_client_credentials") },
        clientCredentials,
      );
      expect(requests).toHaveLength(2);
      expect(result._tag).toBe("Right");
    }),
  );
});

describe("AuthApi.refresh", () => {
  it.effect("sends a native client's id in the body, without Authorization", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* withAuth(
        () => ({ status: 200, json: fixture("auth/oauth2_refresh_token") }),
        (auth) => auth.refresh({ clientId: CLIENT_ID, refreshToken: Redacted.make(REFRESH_TOKEN) }),
      );
      expect(result._tag === "Right" && result.right.refresh_token).toBe("new-refresh-token");
      const [request] = requests;
      expect(request?.headers).not.toHaveProperty("authorization");
      expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
        grant_type: "refresh_token",
        refresh_token: REFRESH_TOKEN,
        client_id: CLIENT_ID,
      });
    }),
  );

  it.effect("uses Basic auth for a confidential client", () =>
    Effect.gen(function* () {
      const { requests } = yield* withAuth(
        () => ({ status: 200, json: fixture("auth/oauth2_refresh_token") }),
        (auth) =>
          auth.refresh({
            clientId: CLIENT_ID,
            clientSecret: Redacted.make(CLIENT_SECRET),
            refreshToken: Redacted.make(REFRESH_TOKEN),
          }),
      );
      expect(requests[0]?.headers.authorization).toBe(basic);
      expect(Object.fromEntries(new URLSearchParams(requests[0]?.body))).toEqual({
        grant_type: "refresh_token",
        refresh_token: REFRESH_TOKEN,
      });
    }),
  );

  it.effect("reports a revoked refresh token (invalid_grant) as AuthenticationError, once", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* withAuth(
        () => ({ status: 401, json: fixture("errors/auth_invalid_grant") }),
        (auth) => auth.refresh({ clientId: CLIENT_ID, refreshToken: Redacted.make(REFRESH_TOKEN) }),
      );
      expect(requests).toHaveLength(1);
      const error = result._tag === "Left" ? result.left : undefined;
      expect(error?._tag).toBe("AuthenticationError");
      expect(error?.message).toBe("Globus Auth refused the refresh token: 401 invalid_grant");
      for (const text of renderings(error)) expect(text).not.toContain(REFRESH_TOKEN);
    }),
  );

  it.effect("reports a body that is not a token response as GlobusResponseError", () =>
    Effect.gen(function* () {
      const { result } = yield* withAuth(
        () => ({ status: 200, json: { access_token: REFRESH_TOKEN } }),
        (auth) => auth.refresh({ clientId: CLIENT_ID, refreshToken: Redacted.make("x") }),
      );
      const error = result._tag === "Left" ? result.left : undefined;
      expect(error?._tag).toBe("GlobusResponseError");
      expect(error?.message).toContain("→ at scope");
    }),
  );
});
