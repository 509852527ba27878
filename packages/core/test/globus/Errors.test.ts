/**
 * The error readers over the recorded error bodies: which bodies are ConsentRequired (as the Python
 * SDK decides), which scopes they ask for, and their GARE authorization parameters, legacy comma
 * strings normalised to arrays.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  AuthorizationParameters,
  authorizationParametersOf,
  ConsentRequiredBody,
  isAuthenticationFailedCode,
  isConsentRequired,
  requiredScopesOf,
  TransferErrorBody,
} from "../../src/globus/Errors.ts";

const FIXTURES = new URL("../../../../test/fixtures/globus/errors/", import.meta.url);

const error = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(file, FIXTURES), "utf8"));

const DATA_ACCESS_SCOPE =
  "urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/00000000-0000-0000-0000-000000000001/data_access]";
const LEGACY_SCOPE = "urn:globus:auth:scope:transfer.api.globus.org:all[*foo *bar]";
const FLOW_SCOPE =
  "https://auth.globus.org/scopes/28e781ba-dacb-4105-a411-fffc4fb8de62/flow_28e781ba_dacb_4105_a411_fffc4fb8de62_user[*https://auth.globus.org/scopes/actions.globus.org/transfer/transfer[*urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/543aade1-db97-4a4b-9bdf-0b58e78dfa69/data_access]]]";

describe("isConsentRequired", () => {
  it.each([
    ["consent_required.json", true],
    ["consent_required_legacy.json", true],
    // legacy action-provider / Flows form: one required_scope string
    ["flows_run_consent_required.json", true],
    ["auth_policy_failed.json", false],
    ["authorization_requirements.json", false],
    ["transfer_no_transfer_items.json", false],
    ["transfer_authentication_failed.json", false],
    ["auth_dependent_consent_required.json", false],
  ])("%s → %s", (file, expected) => {
    expect(isConsentRequired(error(file))).toBe(expected);
  });

  it("needs both the code and a scope list or string", () => {
    expect(isConsentRequired({ code: "ConsentRequired" })).toBe(false);
    expect(isConsentRequired({ code: "ConsentRequired", required_scopes: "a b" })).toBe(false);
    expect(isConsentRequired({ code: "ConsentRequired", required_scopes: [] })).toBe(true);
    expect(isConsentRequired({ code: "AuthorizationRequired", required_scopes: ["a"] })).toBe(
      false,
    );
    expect(isConsentRequired(null)).toBe(false);
    expect(isConsentRequired("ConsentRequired")).toBe(false);
    expect(isConsentRequired([{ code: "ConsentRequired", required_scopes: ["a"] }])).toBe(false);
  });

  it("agrees with ConsentRequiredBody on the recorded bodies", () => {
    for (const file of ["consent_required.json", "consent_required_legacy.json"]) {
      expect(ConsentRequiredBody.safeParse(error(file)).success).toBe(true);
    }
    expect(ConsentRequiredBody.safeParse({ code: "ConsentRequired" }).success).toBe(false);
  });
});

describe("requiredScopesOf", () => {
  it.each([
    // required_scopes and authorization_parameters.required_scopes repeat the same scope
    ["consent_required.json", [DATA_ACCESS_SCOPE]],
    ["consent_required_legacy.json", [LEGACY_SCOPE]],
    // required_scope and authorization_parameters.required_scopes repeat the same scope
    ["flows_run_consent_required.json", [FLOW_SCOPE]],
    ["auth_policy_failed.json", []],
    ["authorization_requirements.json", []],
    ["transfer_path_not_found.json", []],
  ])("%s", (file, expected) => {
    expect(requiredScopesOf(error(file))).toEqual(expected);
  });

  it("reads the root first, then each errors[] sub-document, without repeats", () => {
    const body = {
      required_scopes: ["a"],
      errors: [
        { code: "ConsentRequired", authorization_parameters: { required_scopes: ["b", "a"] } },
        "not a document",
        { code: "ConsentRequired", required_scope: "c" },
      ],
    };
    expect(requiredScopesOf(body)).toEqual(["a", "b", "c"]);
  });

  it("gives nothing for values that are not error bodies", () => {
    expect(requiredScopesOf(undefined)).toEqual([]);
    expect(requiredScopesOf(["a"])).toEqual([]);
    expect(requiredScopesOf({ required_scopes: "a" })).toEqual([]);
  });
});

describe("authorizationParametersOf", () => {
  it("normalises auth_policy_failed.json's comma-separated policy string to an array", () => {
    expect(authorizationParametersOf(error("auth_policy_failed.json"))).toEqual({
      session_message: "Failing collection authentication policy",
      session_required_policies: ["00000000-0000-0000-0000-00000000000a"],
    });
  });

  it("splits a comma string with several ids, and single_domain too", () => {
    const body = {
      code: "AuthPolicyFailed",
      authorization_parameters: {
        session_required_policies: "p1,p2, p3",
        session_required_single_domain: "globus.org,example.org",
      },
    };
    expect(authorizationParametersOf(body)).toEqual({
      session_required_policies: ["p1", "p2", "p3"],
      session_required_single_domain: ["globus.org", "example.org"],
    });
  });

  it("reads authorization_requirements.json (a session-domain requirement on ls)", () => {
    expect(authorizationParametersOf(error("authorization_requirements.json"))).toEqual({
      session_message: "Session reauthentication required (Globus Transfer)",
      session_required_identities: [],
      session_required_mfa: false,
      session_required_single_domain: ["globus.org"],
    });
  });

  it("reads consent_required.json's GARE parameters", () => {
    expect(authorizationParametersOf(error("consent_required.json"))).toEqual({
      required_scopes: [DATA_ACCESS_SCOPE],
      session_message: "Missing required data_access consent",
    });
  });

  it("turns legacy ConsentRequired bodies into parameters, as the Python SDK's to_gare does", () => {
    expect(authorizationParametersOf(error("consent_required_legacy.json"))).toEqual({
      required_scopes: [LEGACY_SCOPE],
      session_message: "Missing required foo_bar consent",
    });
    expect(
      authorizationParametersOf({
        code: "ConsentRequired",
        required_scope: "s",
        description: "why",
      }),
    ).toEqual({ required_scopes: ["s"], session_message: "why" });
  });

  it("prefers the root, then the first errors[] sub-document with parameters", () => {
    const nested = {
      errors: [
        { code: "NOT_A_GARE" },
        { code: "AuthorizationRequired", authorization_parameters: { session_required_mfa: true } },
        { code: "AuthorizationRequired", authorization_parameters: { prompt: "login" } },
      ],
    };
    expect(authorizationParametersOf(nested)).toEqual({ session_required_mfa: true });
    expect(
      authorizationParametersOf({
        ...nested,
        authorization_parameters: { required_scopes: ["root"] },
      }),
    ).toEqual({ required_scopes: ["root"] });
  });

  it("skips malformed parameters and gives undefined when nothing is required", () => {
    expect(
      authorizationParametersOf({
        authorization_parameters: { session_required_mfa: "yes" },
        errors: [{ authorization_parameters: { required_scopes: ["ok"] } }],
      }),
    ).toEqual({ required_scopes: ["ok"] });
    expect(authorizationParametersOf(error("transfer_path_not_found.json"))).toBeUndefined();
    expect(authorizationParametersOf(error("auth_unauthorized.json"))).toBeUndefined();
    expect(authorizationParametersOf(null)).toBeUndefined();
  });

  it("decodes the comma string inside TransferErrorBody as well", () => {
    const body = TransferErrorBody.parse(error("auth_policy_failed.json"));
    expect(body.authorization_parameters?.session_required_policies).toEqual([
      "00000000-0000-0000-0000-00000000000a",
    ]);
    expect(AuthorizationParameters.parse({ session_required_policies: null })).toEqual({
      session_required_policies: null,
    });
  });
});

describe("isAuthenticationFailedCode", () => {
  it("matches both spellings of Transfer's 401 code and nothing else", () => {
    expect(isAuthenticationFailedCode("ClientError.AuthenticationFailed")).toBe(true);
    expect(isAuthenticationFailedCode("AuthenticationFailed")).toBe(true);
    expect(isAuthenticationFailedCode("PermissionDenied")).toBe(false);
    const recorded = TransferErrorBody.parse(error("transfer_authentication_failed.json"));
    expect(isAuthenticationFailedCode(recorded.code)).toBe(true);
  });
});
