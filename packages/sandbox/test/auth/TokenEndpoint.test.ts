/**
 * The token endpoints: client_credentials (secrets, unknown scopes per collection kind, consent
 * for the client's own identity), refresh, revoke, expiry on the fake clock, introspect, and the
 * AuthService methods Transfer relies on.
 */
import { describe, expect, it } from "vitest";
import {
  basic,
  CONFIDENTIAL_SECRET,
  clientCredentials,
  dataAccess,
  defaultIds,
  exchangeNative,
  expectJson,
  fixture,
  keysOf,
  makeHarness,
  nativeLogin,
  TRANSFER_ALL,
  tokenFor,
  transferWithDataAccess,
} from "./support.ts";

const TRANSFER = "transfer.api.globus.org";

describe("client_credentials", () => {
  it("issues a Transfer token for the client's own identity, shaped like the recorded one", async () => {
    const harness = makeHarness();
    const body = expectJson(await clientCredentials(harness, TRANSFER_ALL), 200);
    expect(keysOf(body)).toEqual(keysOf(fixture("auth/oauth2_token_client_credentials.json")));
    expect(body).toMatchObject({
      scope: TRANSFER_ALL,
      expires_in: 172_800,
      token_type: "Bearer",
      resource_server: TRANSFER,
      other_tokens: [],
    });
    expect(harness.auth.checkAccessToken(tokenFor(body, TRANSFER), harness.now())).toMatchObject({
      status: "active",
      info: {
        clientId: defaultIds.confidentialClient,
        identityId: defaultIds.confidentialClient,
        isClientIdentity: true,
        authTime: undefined,
      },
    });
  });

  it("gives globus-cli's Auth scopes their own auth.globus.org token", async () => {
    const harness = makeHarness();
    const body = expectJson(
      await clientCredentials(
        harness,
        "openid profile email urn:globus:auth:scope:auth.globus.org:view_identity_set",
      ),
      200,
    );
    expect(body).toMatchObject({
      resource_server: "auth.globus.org",
      scope: "openid profile email urn:globus:auth:scope:auth.globus.org:view_identity_set",
      other_tokens: [],
    });
    expect(body).not.toHaveProperty("id_token");
  });

  it.each([
    ["a wrong secret", basic(defaultIds.confidentialClient, "not-the-secret-at-all")],
    ["an unknown client", basic("00000000-0000-4000-8000-000000000000", CONFIDENTIAL_SECRET)],
    ["the native client", basic(defaultIds.nativeClient, "anything-at-all-000")],
    ["a malformed Authorization header", { authorization: "Basic !!!" }],
    ["a bearer token", { authorization: "Bearer abc" }],
  ])("refuses %s with 401 invalid_client", async (_name, headers) => {
    const harness = makeHarness();
    const response = await harness.call("POST", "/v2/oauth2/token", {
      headers,
      form: { grant_type: "client_credentials", scope: TRANSFER_ALL },
    });
    expect(expectJson(response, 401)).toEqual({ error: "invalid_client" });
    expect(response.kind === "json" ? response.headers?.["WWW-Authenticate"] : undefined).toMatch(
      /^Basic /,
    );
  });

  it("refuses a native client naming itself in the form", async () => {
    const harness = makeHarness();
    const response = await harness.call("POST", "/v2/oauth2/token", {
      form: {
        grant_type: "client_credentials",
        scope: TRANSFER_ALL,
        client_id: defaultIds.nativeClient,
      },
    });
    expect(expectJson(response, 401)).toEqual({ error: "invalid_client" });
  });

  it("requires a scope, and a well-formed one", async () => {
    const harness = makeHarness();
    expect(expectJson(await clientCredentials(harness, ""), 400).error).toBe("invalid_request");
    expect(expectJson(await clientCredentials(harness, "foo[]"), 400).error).toBe("invalid_scope");
  });

  const randomCollection = "3f0c7b1e-9d2a-4c55-8e61-2b7a90d4c111";
  it.each([
    ["a guest collection", defaultIds.guestCollection],
    ["a Globus Connect Personal collection", defaultIds.personalCollection],
    ["a high-assurance mapped collection", defaultIds.highAssuranceCollection],
    ["a GCSv5 endpoint", defaultIds.gcsEndpoint],
    ["a collection the sandbox does not have", randomCollection],
  ])("refuses the whole request for the data_access of %s", async (_kind, collectionId) => {
    const harness = makeHarness();
    const body = expectJson(
      await clientCredentials(harness, `openid ${transferWithDataAccess(collectionId)}`),
      400,
    );
    expect(body).toEqual({
      errors: [
        {
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          status: "400",
          title: "Unknown scope(s)",
          detail: `client_id=${defaultIds.confidentialClient} requested unknown scopes: ['${dataAccess(collectionId)}']`,
          code: "UNKNOWN_SCOPE_ERROR",
        },
      ],
      error: "unknown_scope_error",
      error_description: "Unknown scope(s)",
    });
    expect(harness.auth.stats().accessTokensIssued).toBe(0);
  });

  it("records a data_access consent for the client identity, which an earlier token then enjoys", async () => {
    const harness = makeHarness();
    const { confidentialClient: client, mappedCollection } = defaultIds;
    const old = tokenFor(expectJson(await clientCredentials(harness, TRANSFER_ALL), 200), TRANSFER);
    expect(harness.auth.hasDataAccessConsent(client, client, mappedCollection)).toBe(false);

    // What globus-cli does on ConsentRequired: ask for the tree, throw the new token away.
    expectJson(await clientCredentials(harness, transferWithDataAccess(mappedCollection)), 200);
    expect(harness.auth.hasDataAccessConsent(client, client, mappedCollection)).toBe(true);
    expect(harness.auth.checkAccessToken(old, harness.now()).status).toBe("active");
    // Per (client, identity): neither the person nor the other client gained anything.
    expect(harness.auth.hasDataAccessConsent(client, defaultIds.user, mappedCollection)).toBe(
      false,
    );
    expect(
      harness.auth.hasDataAccessConsent(defaultIds.nativeClient, client, mappedCollection),
    ).toBe(false);

    harness.auth.revokeDataAccessConsent(client, client, mappedCollection);
    expect(harness.auth.hasDataAccessConsent(client, client, mappedCollection)).toBe(false);
    expect(harness.auth.stats().consentRevocations).toBe(1);
  });
});

describe("other grants", () => {
  it("answers the dependent-token grant with unsupported_grant_type", async () => {
    const harness = makeHarness();
    const response = await harness.call("POST", "/v2/oauth2/token", {
      headers: basic(defaultIds.confidentialClient, CONFIDENTIAL_SECRET),
      form: { grant_type: "urn:globus:auth:grant_type:dependent_token", token: "x" },
    });
    expect(expectJson(response, 400).error).toBe("unsupported_grant_type");
  });

  it("needs a grant_type", async () => {
    const harness = makeHarness();
    const response = await harness.call("POST", "/v2/oauth2/token", {
      form: { client_id: defaultIds.nativeClient },
    });
    expect(expectJson(response, 400).error).toBe("invalid_request");
  });
});

describe("refresh_token", () => {
  it("issues a new access token, keeps the auth time and returns the same refresh token", async () => {
    const harness = makeHarness({ autoApprove: true });
    const login = await nativeLogin(harness, { scope: TRANSFER_ALL, offline: true });
    const first = expectJson(await exchangeNative(harness, login), 200);
    const refreshToken = String(first.refresh_token);
    const authTime = harness.now();
    harness.advance(3_600_000);

    const refreshed = expectJson(
      await harness.call("POST", "/v2/oauth2/token", {
        form: {
          grant_type: "refresh_token",
          refresh_token: refreshToken,
          client_id: defaultIds.nativeClient,
        },
      }),
      200,
    );
    expect(keysOf(refreshed)).toEqual(keysOf(fixture("auth/oauth2_refresh_token.json")));
    expect(refreshed).toMatchObject({
      scope: TRANSFER_ALL,
      resource_server: TRANSFER,
      expires_in: 172_800,
      token_type: "Bearer",
      refresh_token: refreshToken,
      other_tokens: [],
    });
    expect(refreshed.access_token).not.toBe(first.access_token);
    const check = harness.auth.checkAccessToken(String(refreshed.access_token), harness.now());
    expect(check).toMatchObject({ status: "active", info: { authTime, issuedAt: harness.now() } });
    expect(harness.auth.stats().refreshes).toBe(1);
  });

  it("refuses another client's, an unknown and a revoked refresh token", async () => {
    const harness = makeHarness({ autoApprove: true });
    const login = await nativeLogin(harness, { scope: TRANSFER_ALL, offline: true });
    const refreshToken = String(
      expectJson(await exchangeNative(harness, login), 200).refresh_token,
    );
    const asConfidential = await harness.call("POST", "/v2/oauth2/token", {
      headers: basic(defaultIds.confidentialClient, CONFIDENTIAL_SECRET),
      form: { grant_type: "refresh_token", refresh_token: refreshToken },
    });
    expect(expectJson(asConfidential, 401)).toEqual({ error: "invalid_grant" });
    const unknown = await harness.call("POST", "/v2/oauth2/token", {
      form: {
        grant_type: "refresh_token",
        refresh_token: "nope",
        client_id: defaultIds.nativeClient,
      },
    });
    expect(expectJson(unknown, 401)).toEqual({ error: "invalid_grant" });
  });
});

describe("revoke", () => {
  it("revokes an access token; checkAccessToken then says revoked", async () => {
    const harness = makeHarness();
    const token = tokenFor(
      expectJson(await clientCredentials(harness, TRANSFER_ALL), 200),
      TRANSFER,
    );
    const response = await harness.call("POST", "/v2/oauth2/token/revoke", {
      headers: basic(defaultIds.confidentialClient, CONFIDENTIAL_SECRET),
      form: { token },
    });
    expect(expectJson(response, 200)).toEqual(fixture("auth/oauth2_revoke_token.json"));
    expect(harness.auth.checkAccessToken(token, harness.now()).status).toBe("revoked");
    expect(harness.auth.stats().revocations).toBe(1);
  });

  it("revoking a refresh token ends the access tokens issued from it", async () => {
    const harness = makeHarness({ autoApprove: true });
    const login = await nativeLogin(harness, { scope: TRANSFER_ALL, offline: true });
    const body = expectJson(await exchangeNative(harness, login), 200);
    const refreshToken = String(body.refresh_token);
    const refreshForm = {
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: defaultIds.nativeClient,
    };
    const second = expectJson(
      await harness.call("POST", "/v2/oauth2/token", { form: refreshForm }),
      200,
    );

    const revoked = await harness.call("POST", "/v2/oauth2/token/revoke", {
      form: { token: refreshToken, client_id: defaultIds.nativeClient },
    });
    expect(expectJson(revoked, 200)).toEqual({ active: false });
    for (const token of [body.access_token, second.access_token]) {
      expect(harness.auth.checkAccessToken(String(token), harness.now()).status).toBe("revoked");
    }
    const again = await harness.call("POST", "/v2/oauth2/token", { form: refreshForm });
    expect(expectJson(again, 401)).toEqual({ error: "invalid_grant" });
  });

  it("answers {active: false} for unknown tokens and leaves other clients' tokens alone", async () => {
    const harness = makeHarness();
    const token = tokenFor(
      expectJson(await clientCredentials(harness, TRANSFER_ALL), 200),
      TRANSFER,
    );
    for (const form of [
      { token: "never-issued", client_id: defaultIds.nativeClient },
      { token, client_id: defaultIds.nativeClient },
    ]) {
      const response = await harness.call("POST", "/v2/oauth2/token/revoke", { form });
      expect(expectJson(response, 200)).toEqual({ active: false });
    }
    expect(harness.auth.checkAccessToken(token, harness.now()).status).toBe("active");
  });

  it("needs client authentication", async () => {
    const harness = makeHarness();
    const response = await harness.call("POST", "/v2/oauth2/token/revoke", {
      form: { token: "x" },
    });
    expect(expectJson(response, 401)).toEqual({ error: "invalid_client" });
  });
});

describe("expiry and introspect", () => {
  const introspect = (harness: ReturnType<typeof makeHarness>, form: Record<string, string>) =>
    harness.call("POST", "/v2/oauth2/token/introspect", {
      headers: basic(defaultIds.confidentialClient, CONFIDENTIAL_SECRET),
      form,
    });

  it("a token expires after accessTokenLifetimeSeconds on the context's clock", async () => {
    const harness = makeHarness({ accessTokenLifetimeSeconds: 60 });
    const body = expectJson(await clientCredentials(harness, TRANSFER_ALL), 200);
    expect(body.expires_in).toBe(60);
    const token = tokenFor(body, TRANSFER);
    harness.advance(59_999);
    expect(harness.auth.checkAccessToken(token, harness.now()).status).toBe("active");
    harness.advance(1);
    expect(harness.auth.checkAccessToken(token, harness.now()).status).toBe("expired");
    expect(expectJson(await introspect(harness, { token }), 200)).toEqual({ active: false });
  });

  it("expireAccessToken makes a token expire now", async () => {
    const harness = makeHarness();
    const token = tokenFor(
      expectJson(await clientCredentials(harness, TRANSFER_ALL), 200),
      TRANSFER,
    );
    harness.auth.expireAccessToken(token);
    expect(harness.auth.checkAccessToken(token, harness.now()).status).toBe("expired");
    expect(harness.auth.checkAccessToken("unknown-token", harness.now()).status).toBe("unknown");
  });

  it("introspects an active token like the recorded body", async () => {
    const harness = makeHarness({ autoApprove: true });
    const login = await nativeLogin(harness, {
      scope: "urn:globus:auth:scope:auth.globus.org:view_identity_set profile email openid",
    });
    const token = tokenFor(
      expectJson(await exchangeNative(harness, login), 200),
      "auth.globus.org",
    );
    const body = expectJson(await introspect(harness, { token }), 200);
    expect(keysOf(body)).toEqual(keysOf(fixture("auth/oauth2_token_introspect.json")));
    const seconds = Math.floor(harness.now() / 1000);
    expect(body).toEqual({
      active: true,
      token_type: "Bearer",
      scope: "urn:globus:auth:scope:auth.globus.org:view_identity_set profile email openid",
      client_id: defaultIds.nativeClient,
      username: "researcher@sandbox.example.org",
      name: "Sandbox Researcher",
      email: "researcher@sandbox.example.org",
      exp: seconds + 172_800,
      iat: seconds,
      nbf: seconds,
      sub: defaultIds.user,
      aud: ["auth.globus.org", defaultIds.nativeClient],
      iss: "http://127.0.0.1:8765/auth",
    });
    const withSet = expectJson(await introspect(harness, { token, include: "identity_set" }), 200);
    expect(withSet.identity_set).toEqual([defaultIds.user]);
  });

  it("is inactive for unknown and revoked tokens, and needs a confidential client", async () => {
    const harness = makeHarness();
    expect(expectJson(await introspect(harness, { token: "nope" }), 200)).toEqual({
      active: false,
    });
    const native = await harness.call("POST", "/v2/oauth2/token/introspect", {
      form: { token: "nope", client_id: defaultIds.nativeClient },
    });
    expect(expectJson(native, 401)).toEqual({ error: "invalid_client" });
  });
});

describe("stats", () => {
  it("counts grants per type", async () => {
    const harness = makeHarness({ autoApprove: true });
    await clientCredentials(harness, TRANSFER_ALL);
    await clientCredentials(harness, TRANSFER_ALL, "wrong-secret-wrong-secret");
    const login = await nativeLogin(harness, { scope: `openid ${TRANSFER_ALL}` });
    await exchangeNative(harness, login);
    expect(harness.auth.stats()).toMatchObject({
      authorizationCodeGrants: 1,
      clientCredentialsGrants: 1,
      refreshes: 0,
      revocations: 0,
      accessTokensIssued: 3,
      rejectedTokenRequests: 1,
    });
  });
});
