/**
 * The Auth resource API: userinfo (and its 401 body), identity lookups by ids or usernames
 * (people and client identities, mutual exclusion), and an identity's consents with their
 * dependency paths, as the Python SDK's consent forest reads them.
 */
import { describe, expect, it } from "vitest";
import { TRANSFER_SERVICE_CLIENT_ID } from "../../src/auth/ScopeCatalog.ts";
import { defaultConfig } from "../../src/config/defaultConfig.ts";
import {
  basic,
  bearer,
  CONFIDENTIAL_SECRET,
  clientCredentials,
  dataAccess,
  defaultIds,
  exchangeNative,
  expectJson,
  fixture,
  type Harness,
  keysOf,
  makeHarness,
  nativeLogin,
  TRANSFER_ALL,
  tokenFor,
  transferWithDataAccess,
} from "./support.ts";

const VIEW_IDENTITY_SET = "urn:globus:auth:scope:auth.globus.org:view_identity_set";
const VIEW_CONSENTS = "urn:globus:auth:scope:auth.globus.org:view_consents";

/** A user's auth.globus.org token for `scope` (the native app, auto-approved). */
const userAuthToken = async (harness: Harness, scope: string): Promise<string> => {
  const login = await nativeLogin(harness, { scope });
  return tokenFor(expectJson(await exchangeNative(harness, login), 200), "auth.globus.org");
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("userinfo", () => {
  it.each([
    ["no token", {}],
    ["an unknown token", bearer("not-a-token")],
    ["Basic credentials", basic(defaultIds.confidentialClient, CONFIDENTIAL_SECRET)],
  ])("answers %s with the recorded 401 body and a fresh error id", async (_name, headers) => {
    const harness = makeHarness();
    const first = expectJson(await harness.call("GET", "/v2/oauth2/userinfo", { headers }), 401);
    const second = expectJson(await harness.call("GET", "/v2/oauth2/userinfo", { headers }), 401);
    const recorded = fixture("errors/auth_unauthorized.json");
    const withoutId = (body: Record<string, unknown>) => ({
      ...body,
      errors: (body.errors as Record<string, unknown>[]).map(({ id: _id, ...rest }) => rest),
    });
    expect(withoutId(first)).toEqual(withoutId(recorded));
    const ids = [first, second].map((body) => (body.errors as { id: string }[])[0]?.id);
    expect(ids[0]).toMatch(UUID);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it("refuses an expired token and a Transfer token", async () => {
    const harness = makeHarness({ autoApprove: true });
    const login = await nativeLogin(harness, { scope: `openid ${TRANSFER_ALL}` });
    const body = expectJson(await exchangeNative(harness, login), 200);
    const transfer = tokenFor(body, "transfer.api.globus.org");
    const auth = tokenFor(body, "auth.globus.org");
    expectJson(
      await harness.call("GET", "/v2/oauth2/userinfo", { headers: bearer(transfer) }),
      401,
    );
    expectJson(await harness.call("GET", "/v2/oauth2/userinfo", { headers: bearer(auth) }), 200);
    harness.advance(172_800_000);
    expectJson(await harness.call("GET", "/v2/oauth2/userinfo", { headers: bearer(auth) }), 401);
  });

  it("fills fields by scope, in the recorded shape", async () => {
    const harness = makeHarness({ autoApprove: true });
    const full = await userAuthToken(harness, `openid profile email ${VIEW_IDENTITY_SET}`);
    const body = expectJson(
      await harness.call("GET", "/v2/oauth2/userinfo", { headers: bearer(full) }),
      200,
    );
    const recorded = fixture("auth/userinfo.json");
    expect(keysOf(body)).toEqual(keysOf(recorded));
    expect(keysOf((body.identity_set as unknown[])[0])).toEqual(
      keysOf((recorded.identity_set as unknown[])[0]),
    );
    expect(body).toMatchObject({
      sub: defaultIds.user,
      preferred_username: "researcher@sandbox.example.org",
      name: "Sandbox Researcher",
      email: "researcher@sandbox.example.org",
    });

    const openidOnly = await userAuthToken(harness, "openid");
    expect(
      expectJson(
        await harness.call("GET", "/v2/oauth2/userinfo", { headers: bearer(openidOnly) }),
        200,
      ),
    ).toEqual({ sub: defaultIds.user });
  });

  it("answers a client identity's token", async () => {
    const harness = makeHarness();
    const token = tokenFor(
      expectJson(await clientCredentials(harness, "openid profile email"), 200),
      "auth.globus.org",
    );
    const body = expectJson(
      await harness.call("GET", "/v2/oauth2/userinfo", { headers: bearer(token) }),
      200,
    );
    expect(body).toEqual({
      preferred_username: `${defaultIds.confidentialClient}@clients.auth.globus.org`,
      name: "transflow sandbox CI client",
      sub: defaultIds.confidentialClient,
      email: null,
    });
  });
});

describe("identities", () => {
  const clientAuth = basic(defaultIds.confidentialClient, CONFIDENTIAL_SECRET);

  it("looks people and client identities up by ids, in the recorded shape", async () => {
    const harness = makeHarness();
    const body = expectJson(
      await harness.call("GET", "/v2/api/identities", {
        headers: clientAuth,
        query: {
          ids: `${defaultIds.user},${defaultIds.nativeClient},00000000-0000-4000-8000-000000000000`,
        },
      }),
      200,
    );
    const identities = body.identities as Record<string, unknown>[];
    const recorded = (fixture("auth/get_identities.json").identities as unknown[])[0];
    expect(identities).toHaveLength(2);
    expect(keysOf(identities[0])).toEqual(keysOf({ ...(recorded as object), identity_type: 1 }));
    expect(identities[0]).toEqual({
      email: "researcher@sandbox.example.org",
      id: defaultIds.user,
      identity_provider: "41143743-f3c8-4d60-bbdb-eeecaba85bd9",
      identity_type: "login",
      name: "Sandbox Researcher",
      organization: "Sandbox University",
      status: "used",
      username: "researcher@sandbox.example.org",
    });
    expect(identities[1]).toMatchObject({
      id: defaultIds.nativeClient,
      username: `${defaultIds.nativeClient}@clients.auth.globus.org`,
      identity_type: "client",
      email: null,
    });
  });

  it("looks up by usernames with a user's token, case-insensitively", async () => {
    const harness = makeHarness({ autoApprove: true });
    const token = await userAuthToken(harness, "openid");
    const body = expectJson(
      await harness.call("GET", "/v2/api/identities", {
        headers: bearer(token),
        query: {
          usernames: `Researcher@Sandbox.example.org,${defaultIds.confidentialClient}@clients.auth.globus.org`,
          provision: "false",
        },
      }),
      200,
    );
    expect((body.identities as { id: string }[]).map((identity) => identity.id)).toEqual([
      defaultIds.user,
      defaultIds.confidentialClient,
    ]);
  });

  it("provisions unknown usernames only when asked, with a stable id", async () => {
    const harness = makeHarness();
    const lookup = async (provision: string) =>
      expectJson(
        await harness.call("GET", "/v2/api/identities", {
          headers: clientAuth,
          query: { usernames: "newcomer@example.org", provision },
        }),
        200,
      ).identities as Record<string, unknown>[];
    expect(await lookup("false")).toEqual([]);
    const [made] = await lookup("true");
    expect(made).toMatchObject({ username: "newcomer@example.org", status: "unused" });
    expect(String(made?.id)).toMatch(UUID);
    expect(await lookup("false")).toEqual([made]);
  });

  it("refuses ids together with usernames in the errors[] shape", async () => {
    const harness = makeHarness();
    const body = expectJson(
      await harness.call("GET", "/v2/api/identities", {
        headers: clientAuth,
        query: { ids: defaultIds.user, usernames: "researcher@sandbox.example.org" },
      }),
      400,
    );
    expect(body).toEqual({
      errors: [
        {
          status: "400",
          id: expect.stringMatching(UUID),
          code: "BAD_REQUEST",
          detail: expect.stringContaining("mutually exclusive"),
          title: "Bad Request",
        },
      ],
      error_description: "Bad Request",
      error: "bad_request",
    });
  });

  it("needs a token or client credentials", async () => {
    const harness = makeHarness();
    for (const headers of [{}, basic(defaultIds.confidentialClient, "wrong-secret-wrong-secret")]) {
      const response = await harness.call("GET", "/v2/api/identities", {
        headers,
        query: { ids: defaultIds.user },
      });
      expect(expectJson(response, 401).error).toBe("unauthorized");
    }
  });
});

describe("consents", () => {
  const consentsOf = async (harness: Harness, token: string, identityId: string, all = "false") =>
    harness.call("GET", `/v2/api/identities/${identityId}/consents`, {
      headers: bearer(token),
      query: { all },
    });

  it("lists the consent forest of (client, identity) with dependency paths", async () => {
    const harness = makeHarness();
    harness.advance(1234);
    const token = await userAuthToken(
      harness,
      `openid ${transferWithDataAccess(defaultIds.mappedCollection)}`,
    );
    const body = expectJson(await consentsOf(harness, token, defaultIds.user), 200);
    const consents = body.consents as Record<string, unknown>[];
    const recorded = (fixture("auth/get_consents.json").consents as unknown[])[0];
    expect(consents.map(keysOf)).toEqual(consents.map(() => keysOf(recorded)));

    const [openid, transfer, data] = consents;
    expect(openid).toMatchObject({
      scope_name: "openid",
      client: defaultIds.nativeClient,
      effective_identity: defaultIds.user,
      dependency_path: [openid?.id],
      atomically_revocable: false,
      status: "approved",
      auto_approved: false,
    });
    expect(transfer).toMatchObject({
      scope_name: TRANSFER_ALL,
      client: defaultIds.nativeClient,
      dependency_path: [transfer?.id],
      atomically_revocable: false,
    });
    expect(data).toMatchObject({
      scope_name: dataAccess(defaultIds.mappedCollection),
      client: TRANSFER_SERVICE_CLIENT_ID,
      dependency_path: [transfer?.id, data?.id],
      atomically_revocable: true,
    });
    for (const consent of consents) {
      expect(Number.isInteger(consent.id)).toBe(true);
      expect(String(consent.scope)).toMatch(UUID);
      expect(consent.created).toBe("2026-01-01T00:00:01.234000+00:00");
      expect(Date.parse(String(consent.last_used))).toBe(Date.parse("2026-01-01T00:00:01.234Z"));
    }
  });

  it("merges later grants into the same forest, and shows what revoking removes", async () => {
    const harness = makeHarness({ autoApprove: true });
    const token = await userAuthToken(
      harness,
      `openid ${transferWithDataAccess(defaultIds.mappedCollection)}`,
    );
    const { nativeClient, user, mappedCollection } = defaultIds;
    expect(harness.auth.hasDataAccessConsent(nativeClient, user, mappedCollection)).toBe(true);
    // Asking again for transfer:all alone keeps the data_access branch.
    await userAuthToken(harness, `openid ${TRANSFER_ALL}`);
    const names = async () =>
      (
        expectJson(await consentsOf(harness, token, user), 200).consents as { scope_name: string }[]
      ).map((consent) => consent.scope_name);
    expect(await names()).toEqual(["openid", TRANSFER_ALL, dataAccess(mappedCollection)]);

    harness.auth.revokeDataAccessConsent(nativeClient, user, mappedCollection);
    expect(harness.auth.hasDataAccessConsent(nativeClient, user, mappedCollection)).toBe(false);
    expect(await names()).toEqual(["openid", TRANSFER_ALL]);
  });

  it("all=false shows only the calling client's consents; all=true needs view_consents", async () => {
    const otherApp = "5ad1c3f0-6e4b-4c1a-9a36-7f0d2b1e8c03";
    const harness = makeHarness({
      autoApprove: true,
      clients: [
        ...(defaultConfig.clients ?? []),
        { id: otherApp, name: "another app", type: "native", redirectUris: ["http://127.0.0.1"] },
      ],
    });
    // The same person consents to another app too.
    const other = await nativeLogin(harness, { scope: TRANSFER_ALL, clientId: otherApp });
    expectJson(await exchangeNative(harness, other), 200);
    const userToken = await userAuthToken(harness, `openid ${VIEW_CONSENTS}`);

    const clientsOf = async (all: string) =>
      (
        expectJson(await consentsOf(harness, userToken, defaultIds.user, all), 200).consents as {
          client: string;
          dependency_path: number[];
        }[]
      )
        .filter((consent) => consent.dependency_path.length === 1)
        .map((consent) => consent.client);
    // Python's requests sends the SDK's `all=False` as "False".
    expect(new Set(await clientsOf("False"))).toEqual(new Set([defaultIds.nativeClient]));
    expect(new Set(await clientsOf("True"))).toEqual(new Set([defaultIds.nativeClient, otherApp]));

    const plain = await userAuthToken(harness, "openid");
    const refused = expectJson(await consentsOf(harness, plain, defaultIds.user, "true"), 403);
    expect(refused.error).toBe("forbidden");
  });

  it("refuses another identity's consents and a missing token", async () => {
    const harness = makeHarness({ autoApprove: true });
    const token = await userAuthToken(harness, "openid");
    expect(
      expectJson(await consentsOf(harness, token, defaultIds.confidentialClient), 403).error,
    ).toBe("forbidden");
    const missing = await harness.call("GET", `/v2/api/identities/${defaultIds.user}/consents`);
    expect(expectJson(missing, 401).error).toBe("unauthorized");
  });

  it("shows a client identity's own consents, granted by client_credentials", async () => {
    const harness = makeHarness();
    await clientCredentials(harness, transferWithDataAccess(defaultIds.mappedCollection));
    const token = tokenFor(
      expectJson(await clientCredentials(harness, "openid"), 200),
      "auth.globus.org",
    );
    const body = expectJson(await consentsOf(harness, token, defaultIds.confidentialClient), 200);
    expect(body.consents).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          scope_name: dataAccess(defaultIds.mappedCollection),
          effective_identity: defaultIds.confidentialClient,
          auto_approved: true,
        }),
      ]),
    );
  });
});
