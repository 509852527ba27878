/**
 * The browser side of the sandbox's Auth and the code exchange: the native PKCE flow end to end,
 * state echo, consent page content, Deny, the native code page, auto-approval, redirect and PKCE
 * checks, unknown scopes on the authorize page, and sessions (prompt=login moves the auth time).
 */
import { createPublicKey, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  AUTH_BASE,
  basic,
  bearer,
  CONFIDENTIAL_SECRET,
  dataAccess,
  defaultIds,
  exchangeNative,
  expectHtml,
  expectJson,
  expectRedirect,
  fixture,
  keysOf,
  makeHarness,
  NATIVE_DEFAULT_REDIRECT,
  nativeLogin,
  pendingRequestId,
  pkcePair,
  TRANSFER_ALL,
  tokenFor,
  transferWithDataAccess,
} from "./support.ts";

const authorizeQuery = (overrides: Record<string, string> = {}): Record<string, string> => {
  const { challenge } = pkcePair();
  return {
    client_id: defaultIds.nativeClient,
    redirect_uri: "http://127.0.0.1:51234/callback",
    scope: TRANSFER_ALL,
    response_type: "code",
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "_default",
    ...overrides,
  };
};

describe("native app PKCE flow", () => {
  it("authorize → consent → code → tokens; a wrong verifier and a reused code are refused", async () => {
    const harness = makeHarness();
    const login = await nativeLogin(harness, {
      scope: transferWithDataAccess(defaultIds.mappedCollection),
      state: "_default",
    });
    expect(login.redirect.origin + login.redirect.pathname).toBe("http://127.0.0.1:51234/callback");
    expect(login.redirect.searchParams.get("state")).toBe("_default");

    const body = expectJson(await exchangeNative(harness, login), 200);
    // The same fields as the recorded authorization_code response, and nothing else.
    expect(keysOf(body)).toEqual(keysOf(fixture("auth/oauth2_token_authorization_code.json")));
    expect(body).toMatchObject({
      scope: TRANSFER_ALL,
      expires_in: 172_800,
      token_type: "Bearer",
      resource_server: "transfer.api.globus.org",
      state: "_default",
      other_tokens: [],
    });
    const accessToken = tokenFor(body, "transfer.api.globus.org");
    expect(Buffer.from(accessToken, "base64url").length).toBeGreaterThanOrEqual(32);
    const check = harness.auth.checkAccessToken(accessToken, harness.now());
    expect(check).toMatchObject({
      status: "active",
      info: {
        clientId: defaultIds.nativeClient,
        identityId: defaultIds.user,
        isClientIdentity: false,
        resourceServer: "transfer.api.globus.org",
        scopes: [TRANSFER_ALL],
        authTime: harness.now(),
      },
    });

    // Presenting the code again fails, and revokes what the code produced (RFC 6749 §4.1.2).
    const reused = expectJson(await exchangeNative(harness, login), 401);
    expect(reused).toEqual(fixture("errors/auth_invalid_grant.json"));
    expect(harness.auth.checkAccessToken(accessToken, harness.now()).status).toBe("revoked");

    // A wrong verifier is refused, and spends the code: the right one cannot follow it.
    const second = await nativeLogin(harness, { scope: TRANSFER_ALL });
    const wrong = expectJson(await exchangeNative(harness, second, pkcePair().verifier), 401);
    expect(wrong).toEqual({ error: "invalid_grant" });
    expectJson(await exchangeNative(harness, second), 401);
  });

  it("binds the code to its client and redirect_uri", async () => {
    const harness = makeHarness();
    const login = await nativeLogin(harness, { scope: TRANSFER_ALL });
    const otherRedirect = await harness.call("POST", "/v2/oauth2/token", {
      form: {
        grant_type: "authorization_code",
        code: login.code,
        code_verifier: login.verifier,
        redirect_uri: "http://127.0.0.1:9999/other",
        client_id: defaultIds.nativeClient,
      },
    });
    expect(expectJson(otherRedirect, 401)).toEqual({ error: "invalid_grant" });

    const again = await nativeLogin(harness, { scope: TRANSFER_ALL });
    const otherClient = await harness.call("POST", "/v2/oauth2/token", {
      headers: basic(defaultIds.confidentialClient, CONFIDENTIAL_SECRET),
      form: {
        grant_type: "authorization_code",
        code: again.code,
        code_verifier: again.verifier,
        redirect_uri: again.redirectUri,
      },
    });
    expect(expectJson(otherClient, 401)).toEqual({ error: "invalid_grant" });
  });

  it("refuses an expired code", async () => {
    const harness = makeHarness();
    const login = await nativeLogin(harness, { scope: TRANSFER_ALL });
    harness.advance(harness.ctx.config.authorizationCodeLifetimeSeconds * 1000);
    expect(expectJson(await exchangeNative(harness, login), 401)).toEqual({
      error: "invalid_grant",
    });
  });

  it("echoes state exactly, and omits it when none was sent", async () => {
    const harness = makeHarness();
    const tricky = "a b&c=d/é+%20?#x";
    const login = await nativeLogin(harness, { scope: TRANSFER_ALL, state: tricky });
    expect(login.redirect.searchParams.get("state")).toBe(tricky);
    expect(expectJson(await exchangeNative(harness, login), 200).state).toBe(tricky);

    const stateless = await nativeLogin(harness, { scope: TRANSFER_ALL });
    expect(stateless.redirect.searchParams.has("state")).toBe(false);
    expect(expectJson(await exchangeNative(harness, stateless), 200)).not.toHaveProperty("state");
  });

  it("issues one token per resource server, refresh tokens only offline, and a verifiable id_token", async () => {
    const harness = makeHarness();
    const online = await nativeLogin(harness, { scope: `openid profile email ${TRANSFER_ALL}` });
    const onlineBody = expectJson(await exchangeNative(harness, online), 200);
    expect(onlineBody).not.toHaveProperty("refresh_token");
    expect(onlineBody).toMatchObject({
      resource_server: "auth.globus.org",
      scope: "openid profile email",
    });
    expect(onlineBody.other_tokens).toEqual([
      expect.objectContaining({ resource_server: "transfer.api.globus.org", scope: TRANSFER_ALL }),
    ]);
    expect(keysOf((onlineBody.other_tokens as unknown[])[0])).toEqual(
      keysOf({ access_token: 1, scope: 1, expires_in: 1, token_type: 1, resource_server: 1 }),
    );

    // The id_token is an RS512 JWT signed by the key the discovery document points to.
    const idToken = String(onlineBody.id_token);
    const [header, payload, signature] = idToken.split(".");
    const discovery = expectJson(
      await harness.call("GET", "/.well-known/openid-configuration"),
      200,
    );
    expect(discovery.jwks_uri).toBe(`${AUTH_BASE}/jwk.json`);
    expect(discovery.id_token_signing_alg_values_supported).toEqual(["RS512"]);
    const jwks = expectJson(await harness.call("GET", "/jwk.json"), 200);
    const jwk = (jwks.keys as Record<string, unknown>[])[0];
    const key = createPublicKey({ key: jwk as never, format: "jwk" });
    expect(
      verify(
        "sha512",
        Buffer.from(`${header}.${payload}`),
        key,
        Buffer.from(String(signature), "base64url"),
      ),
    ).toBe(true);
    expect(JSON.parse(Buffer.from(String(header), "base64url").toString())).toMatchObject({
      alg: "RS512",
    });
    expect(JSON.parse(Buffer.from(String(payload), "base64url").toString())).toMatchObject({
      sub: defaultIds.user,
      aud: defaultIds.nativeClient,
      iss: AUTH_BASE,
      email: "researcher@sandbox.example.org",
      preferred_username: "researcher@sandbox.example.org",
      exp: Math.floor(harness.now() / 1000) + 172_800,
    });

    const offline = await nativeLogin(harness, {
      scope: `openid ${TRANSFER_ALL}`,
      offline: true,
    });
    const offlineBody = expectJson(await exchangeNative(harness, offline), 200);
    const tokens = [offlineBody, ...(offlineBody.other_tokens as Record<string, unknown>[])];
    expect(tokens.map((token) => typeof token.refresh_token)).toEqual(["string", "string"]);
    expect(tokens[0]?.refresh_token).not.toBe(tokens[1]?.refresh_token);
  });
});

describe("the consent page", () => {
  it("names the app, the person and every scope, dependent data_access with the collection's name", async () => {
    const harness = makeHarness();
    const page = expectHtml(
      await harness.call("GET", "/v2/oauth2/authorize", {
        query: authorizeQuery({
          scope: `openid ${transferWithDataAccess(defaultIds.mappedCollection)}`,
        }),
      }),
      200,
    );
    expect(page).toContain("transflow sandbox native app");
    expect(page).toContain("Sandbox Researcher");
    expect(page).toContain("researcher@sandbox.example.org");
    expect(page).toContain(TRANSFER_ALL);
    expect(page).toContain(dataAccess(defaultIds.mappedCollection));
    expect(page).toContain("Sandbox Mapped Collection");
    expect(page).toContain("openid");
    expect(page).toMatch(/<form method="post" action="authorize\/decision">/);
    expect(page).toContain('value="allow"');
    expect(page).toContain('value="deny"');
    // The form carries only an opaque id: no PKCE challenge, no redirect target.
    expect(page).not.toContain("code_challenge");
    expect(page).not.toContain("51234");
  });

  it("escapes what the request puts on the page", async () => {
    const harness = makeHarness();
    const page = expectHtml(
      await harness.call("GET", "/v2/oauth2/authorize", {
        query: authorizeQuery({ session_message: '<script>alert("x")</script>' }),
      }),
      200,
    );
    expect(page).not.toContain("<script>");
    expect(page).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  });

  it("Deny redirects with error=access_denied and the state", async () => {
    const harness = makeHarness();
    const page = expectHtml(
      await harness.call("GET", "/v2/oauth2/authorize", { query: authorizeQuery({ state: "s1" }) }),
      200,
    );
    const denied = expectRedirect(
      await harness.call("POST", "/v2/oauth2/authorize/decision", {
        form: { request_id: pendingRequestId(page), decision: "deny" },
      }),
    );
    expect(denied.searchParams.get("error")).toBe("access_denied");
    expect(denied.searchParams.get("state")).toBe("s1");
    expect(denied.searchParams.has("code")).toBe(false);
    expect(
      harness.auth.hasDataAccessConsent(
        defaultIds.nativeClient,
        defaultIds.user,
        defaultIds.mappedCollection,
      ),
    ).toBe(false);
  });

  it("answers a pending request once", async () => {
    const harness = makeHarness();
    const page = expectHtml(
      await harness.call("GET", "/v2/oauth2/authorize", { query: authorizeQuery() }),
      200,
    );
    const form = { request_id: pendingRequestId(page), decision: "allow" };
    expectRedirect(await harness.call("POST", "/v2/oauth2/authorize/decision", { form }));
    const again = await harness.call("POST", "/v2/oauth2/authorize/decision", { form });
    expect(expectHtml(again, 400)).toContain("Login request not found");
  });

  it("is skipped when the person already consented to everything asked", async () => {
    const harness = makeHarness();
    const scope = transferWithDataAccess(defaultIds.mappedCollection);
    await nativeLogin(harness, { scope });
    const again = await harness.call("GET", "/v2/oauth2/authorize", {
      query: authorizeQuery({ scope: TRANSFER_ALL }),
    });
    expect(expectRedirect(again).searchParams.get("code")).toEqual(expect.any(String));
  });
});

describe("the native default redirect (copy-paste code page)", () => {
  it("shows the code after Allow, which then exchanges", async () => {
    const harness = makeHarness();
    const { verifier, challenge } = pkcePair();
    const page = expectHtml(
      await harness.call("GET", "/v2/oauth2/authorize", {
        query: authorizeQuery({
          redirect_uri: NATIVE_DEFAULT_REDIRECT,
          code_challenge: challenge,
        }),
      }),
      200,
    );
    const codePage = expectHtml(
      await harness.call("POST", "/v2/oauth2/authorize/decision", {
        form: { request_id: pendingRequestId(page), decision: "allow" },
      }),
      200,
    );
    const code = /<span class="code" id="code">([^<]+)<\/span>/.exec(codePage)?.[1];
    expect(code).toEqual(expect.any(String));
    const body = await harness.call("POST", "/v2/oauth2/token", {
      form: {
        grant_type: "authorization_code",
        code: String(code),
        code_verifier: verifier,
        redirect_uri: NATIVE_DEFAULT_REDIRECT,
        client_id: defaultIds.nativeClient,
      },
    });
    expect(expectJson(body, 200).resource_server).toBe("transfer.api.globus.org");
  });

  it("with autoApprove redirects at once to /v2/web/auth-code, which shows the code", async () => {
    const harness = makeHarness({ autoApprove: true });
    const redirect = expectRedirect(
      await harness.call("GET", "/v2/oauth2/authorize", {
        query: authorizeQuery({ redirect_uri: NATIVE_DEFAULT_REDIRECT, state: "_default" }),
      }),
    );
    expect(`${redirect.origin}${redirect.pathname}`).toBe(NATIVE_DEFAULT_REDIRECT);
    expect(redirect.searchParams.get("state")).toBe("_default");
    const code = String(redirect.searchParams.get("code"));
    const page = expectHtml(
      await harness.call("GET", "/v2/web/auth-code", { query: { code, state: "_default" } }),
      200,
    );
    expect(page).toContain(code);
  });

  it("is not allowed for a confidential client", async () => {
    const harness = makeHarness();
    const page = await harness.call("GET", "/v2/oauth2/authorize", {
      query: authorizeQuery({
        client_id: defaultIds.confidentialClient,
        redirect_uri: NATIVE_DEFAULT_REDIRECT,
      }),
    });
    expect(expectHtml(page, 400)).toContain("Invalid redirect_uri");
  });
});

describe("authorize request checks", () => {
  it.each([
    ["http://127.0.0.1:8080/", true],
    ["http://127.0.0.1:40000/any/path?x=1", true],
    ["http://localhost:3000/callback", true],
    ["http://127.0.0.2:8080/", false],
    ["https://127.0.0.1:8080/", false],
    ["http://127.0.0.1:8080/#fragment", false],
    ["https://evil.example.org/callback", false],
  ])("redirect_uri %s allowed: %s", async (redirectUri, allowed) => {
    const harness = makeHarness();
    const response = await harness.call("GET", "/v2/oauth2/authorize", {
      query: authorizeQuery({ redirect_uri: redirectUri }),
    });
    if (allowed) expect(expectHtml(response, 200)).toContain("Allow");
    else expect(expectHtml(response, 400)).toContain("Invalid redirect_uri");
  });

  it("matches a registered path on any loopback port, and other URIs exactly", async () => {
    const harness = makeHarness({
      clients: [
        {
          id: defaultIds.nativeClient,
          name: "app",
          type: "native",
          redirectUris: ["http://127.0.0.1/callback", "https://app.example.org/done"],
        },
      ],
    });
    const status = async (redirectUri: string): Promise<number> => {
      const response = await harness.call("GET", "/v2/oauth2/authorize", {
        query: authorizeQuery({ redirect_uri: redirectUri }),
      });
      return response.kind === "html" ? response.status : 0;
    };
    expect(await status("http://127.0.0.1:7000/callback")).toBe(200);
    expect(await status("http://127.0.0.1:7000/other")).toBe(400);
    expect(await status("https://app.example.org/done")).toBe(200);
    expect(await status("https://app.example.org/done/")).toBe(400);
  });

  it.each([
    ["an unknown client", { client_id: "00000000-0000-4000-8000-000000000000" }, "Unknown client"],
    ["no redirect_uri", { redirect_uri: "" }, "Missing redirect_uri"],
    ["response_type=token", { response_type: "token" }, "Unsupported response_type"],
    ["no scope", { scope: "" }, "Missing scope"],
    ["bad scope syntax", { scope: `${TRANSFER_ALL} [oops]` }, "Invalid scope string"],
    ["plain PKCE", { code_challenge_method: "plain" }, "code_challenge_method must be S256"],
    ["no PKCE method", { code_challenge_method: "" }, "code_challenge_method must be S256"],
    ["a malformed challenge", { code_challenge: "short" }, "code_challenge must be"],
    ["access_type=forever", { access_type: "forever" }, "Invalid access_type"],
  ])("refuses %s with an HTML page", async (_name, overrides, text) => {
    const harness = makeHarness();
    const query = authorizeQuery(overrides);
    // An empty override stands for "parameter left out".
    for (const [name, value] of Object.entries(overrides)) if (value === "") delete query[name];
    const page = expectHtml(await harness.call("GET", "/v2/oauth2/authorize", { query }), 400);
    expect(page).toContain(text);
  });

  it("requires PKCE from a native app", async () => {
    const harness = makeHarness();
    const { code_challenge: _c, code_challenge_method: _m, ...query } = authorizeQuery();
    const page = expectHtml(await harness.call("GET", "/v2/oauth2/authorize", { query }), 400);
    expect(page).toContain("A native app must use PKCE");
  });
});

describe("unknown scopes on the authorize page", () => {
  const randomCollection = "3f0c7b1e-9d2a-4c55-8e61-2b7a90d4c111";
  it.each([
    ["a guest collection", defaultIds.guestCollection],
    ["a Globus Connect Personal collection", defaultIds.personalCollection],
    ["a high-assurance mapped collection", defaultIds.highAssuranceCollection],
    ["a GCSv5 endpoint", defaultIds.gcsEndpoint],
    ["a collection the sandbox does not have", randomCollection],
  ])("data_access of %s fails the whole request", async (_kind, collectionId) => {
    const harness = makeHarness({ autoApprove: true });
    const page = expectHtml(
      await harness.call("GET", "/v2/oauth2/authorize", {
        query: authorizeQuery({ scope: `openid ${transferWithDataAccess(collectionId)}` }),
      }),
      400,
    );
    expect(page).toContain("<title>Unknown scope(s)");
    expect(page).toContain(
      `client_id=${defaultIds.nativeClient} requested unknown scopes: ['${dataAccess(collectionId)}']`,
    );
    expect(page).toContain("Error code: UNKNOWN_SCOPE_ERROR");
    expect(page).toMatch(/Error ID: [0-9a-f-]{36}/);
    expect(harness.auth.stats().consentsGranted).toBe(0);
  });

  it("lists only the offending scopes, each once", async () => {
    const harness = makeHarness();
    const scope = [
      `${TRANSFER_ALL}[*${dataAccess(defaultIds.mappedCollection)} *${dataAccess(defaultIds.guestCollection)}]`,
      "urn:globus:auth:scope:groups.api.globus.org:all",
      `${TRANSFER_ALL}[*${dataAccess(defaultIds.guestCollection)}]`,
    ].join(" ");
    const page = expectHtml(
      await harness.call("GET", "/v2/oauth2/authorize", { query: authorizeQuery({ scope }) }),
      400,
    );
    expect(page).toContain(
      `requested unknown scopes: ['${dataAccess(defaultIds.guestCollection)}', 'urn:globus:auth:scope:groups.api.globus.org:all']`,
    );
  });

  it("accepts the data_access scope of a non-HA GCSv5 mapped collection", async () => {
    const harness = makeHarness();
    const login = await nativeLogin(harness, {
      scope: transferWithDataAccess(defaultIds.mappedCollection),
    });
    expect(login.code).toEqual(expect.any(String));
  });
});

describe("sessions", () => {
  it("keeps the auth time across logins, and prompt=login or session_required_* refreshes it", async () => {
    const harness = makeHarness({ autoApprove: true });
    const first = harness.now();
    const authTimeOf = async (extra: Record<string, string>) => {
      const login = await nativeLogin(harness, { scope: TRANSFER_ALL, extra });
      const token = tokenFor(
        expectJson(await exchangeNative(harness, login), 200),
        "transfer.api.globus.org",
      );
      const check = harness.auth.checkAccessToken(token, harness.now());
      return check.status === "active" ? check.info.authTime : undefined;
    };
    expect(await authTimeOf({})).toBe(first);
    harness.advance(60_000);
    expect(await authTimeOf({})).toBe(first);
    expect(await authTimeOf({ prompt: "login" })).toBe(first + 60_000);
    harness.advance(60_000);
    expect(await authTimeOf({ session_required_identities: defaultIds.user })).toBe(
      first + 120_000,
    );
  });
});

describe("a confidential client's authorization code", () => {
  it("exchanges with Basic credentials and needs no PKCE", async () => {
    const harness = makeHarness({
      autoApprove: true,
      clients: [
        {
          id: defaultIds.confidentialClient,
          name: "portal",
          type: "confidential",
          secret: CONFIDENTIAL_SECRET,
          redirectUris: ["https://portal.example.org/callback"],
        },
      ],
    });
    const {
      code_challenge: _c,
      code_challenge_method: _m,
      ...query
    } = authorizeQuery({
      client_id: defaultIds.confidentialClient,
      redirect_uri: "https://portal.example.org/callback",
      scope: "openid profile",
    });
    const redirect = expectRedirect(await harness.call("GET", "/v2/oauth2/authorize", { query }));
    const form = {
      grant_type: "authorization_code",
      code: String(redirect.searchParams.get("code")),
      redirect_uri: "https://portal.example.org/callback",
    };
    const withoutSecret = await harness.call("POST", "/v2/oauth2/token", {
      form: { ...form, client_id: defaultIds.confidentialClient },
    });
    expect(expectJson(withoutSecret, 401)).toEqual({ error: "invalid_client" });
    // The refused attempt never reached the code, so it is still good.
    const body = expectJson(
      await harness.call("POST", "/v2/oauth2/token", {
        headers: basic(defaultIds.confidentialClient, CONFIDENTIAL_SECRET),
        form,
      }),
      200,
    );
    expect(body.resource_server).toBe("auth.globus.org");
    const userinfo = expectJson(
      await harness.call("GET", "/v2/oauth2/userinfo", {
        headers: bearer(tokenFor(body, "auth.globus.org")),
      }),
      200,
    );
    expect(userinfo).toMatchObject({ sub: defaultIds.user, name: "Sandbox Researcher" });
  });
});
