import { describe, expect, it } from "vitest";
import {
  ConsentRequiredError,
  GlobusApiError,
  GlobusResponseError,
  GlobusUnavailableError,
  isRetryable,
} from "../../src/globus/GlobusErrors.ts";
import { errorOfAnswer } from "../../src/globus/GlobusHttp.ts";
import { fixture } from "./support.ts";

const transfer = { service: "transfer", method: "GET", url: "https://t/v0.10/endpoint/x" } as const;
const auth = { service: "auth", method: "POST", url: "https://a/v2/oauth2/token" } as const;

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers,
  text: typeof body === "string" ? body : JSON.stringify(body),
});

const apiError = (fields: Partial<ConstructorParameters<typeof GlobusApiError>[0]>) =>
  new GlobusApiError({
    service: "transfer",
    status: 500,
    code: "InternalError",
    globusMessage: undefined,
    requestId: undefined,
    resource: undefined,
    method: "GET",
    url: "https://t/",
    retryAfterSeconds: undefined,
    body: undefined,
    ...fields,
  });

describe("errorOfAnswer on recorded Transfer errors", () => {
  it.each([
    ["transfer_endpoint_deleted", 404, "EndpointDeleted", "TgFtEL2lG"],
    ["transfer_endpoint_not_found", 404, "EndpointNotFound", "UCS7NJOuD"],
    ["transfer_permission_denied", 403, "PermissionDenied", "TJ1P0KIw8"],
    ["transfer_endpoint_permission_denied", 403, "EndpointPermissionDenied", "aaabbbccc"],
    [
      "transfer_gcp_disconnected",
      502,
      "ExternalError.DirListingFailed.GCDisconnected",
      "rhvcR0aHX",
    ],
    ["transfer_internal_error", 500, "InternalError", "GtSgRY2yT"],
    ["transfer_no_transfer_items", 400, "ClientError.BadRequest.NoTransferItems", "oUAA6Sq2P"],
    ["transfer_authentication_failed", 401, "ClientError.AuthenticationFailed", "abc123"],
  ])("%s", (name, status, code, requestId) => {
    const body = fixture(`errors/${name}`);
    const error = errorOfAnswer(transfer, answer(status, body));
    expect(error).toBeInstanceOf(GlobusApiError);
    const api = error as GlobusApiError;
    expect(api.code).toBe(code);
    expect(api.status).toBe(status);
    expect(api.requestId).toBe(requestId);
    expect(api.body).toEqual(body);
    expect(api.message).toContain(`Transfer answered ${status} ${code}`);
    expect(api.message).toContain(`(request_id ${requestId})`);
  });

  it("words a 404 as Globus did", () => {
    const error = errorOfAnswer(transfer, answer(404, fixture("errors/transfer_endpoint_deleted")));
    expect(error.message).toBe(
      "Transfer answered 404 EndpointDeleted: Endpoint '7b123e08-6638-11eb-8282-0275e0cda761' has been deleted (request_id TgFtEL2lG)",
    );
  });

  it.each([
    [
      "consent_required",
      "urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/00000000-0000-0000-0000-000000000001/data_access]",
      "m8RfX3cES",
    ],
    [
      "consent_required_legacy",
      "urn:globus:auth:scope:transfer.api.globus.org:all[*foo *bar]",
      "WmMV97A1w",
    ],
  ])("%s becomes ConsentRequiredError", (name, scope, requestId) => {
    const error = errorOfAnswer(transfer, answer(403, fixture(`errors/${name}`)));
    expect(error).toBeInstanceOf(ConsentRequiredError);
    const consent = error as ConsentRequiredError;
    expect(consent.requiredScopes).toEqual([scope]);
    expect(consent.requestId).toBe(requestId);
    expect(consent.message).toContain(scope);
    expect(isRetryable(consent)).toBe(false);
  });

  it("keeps the GARE of an AuthPolicyFailed in the body", () => {
    const error = errorOfAnswer(transfer, answer(403, fixture("errors/auth_policy_failed")));
    expect(error).toBeInstanceOf(GlobusApiError);
    expect((error as GlobusApiError).code).toBe("AuthPolicyFailed");
    expect((error as GlobusApiError).body).toHaveProperty("authorization_parameters");
  });

  it("keeps a short excerpt of a body that is not JSON", () => {
    const error = errorOfAnswer(transfer, answer(502, "<html>\n<h1>Bad   Gateway</h1></html>"));
    expect(error.message).toBe("Transfer answered 502 Error: <html> <h1>Bad Gateway</h1></html>");
  });
});

describe("errorOfAnswer on recorded Auth errors", () => {
  it.each([
    ["auth_invalid_grant", 401, "invalid_grant", undefined, undefined],
    [
      "auth_unauthorized",
      401,
      "unauthorized",
      "Unauthorized",
      "b6279af6-eab2-11f1-baaa-02fc00000001",
    ],
    [
      "auth_token_unexpected_error",
      500,
      "unexpected_error",
      "An unexpected error occurred.",
      "aa0b3877-4c86-468b-8dd5-c076e9dd3cc1",
    ],
    [
      "auth_dependent_consent_required",
      403,
      "dependent_consent_required",
      expect.stringContaining("approve"),
      "00000000-0000-0000-0000-000000000000",
    ],
  ])("%s", (name, status, code, message, requestId) => {
    const error = errorOfAnswer(auth, answer(status, fixture(`errors/${name}`))) as GlobusApiError;
    expect(error).toBeInstanceOf(GlobusApiError);
    expect(error.message.startsWith(`Globus Auth answered ${status} ${code}`)).toBe(true);
    expect(error.code).toBe(code);
    expect(error.globusMessage).toEqual(message);
    expect(error.requestId).toBe(requestId);
  });
});

describe("errorOfAnswer and Retry-After", () => {
  it.each([
    [429, "7", 7],
    [503, "3", 3],
    [503, " 12 ", 12],
    [429, "0", undefined],
    [429, "1.5", undefined],
    [429, "Wed, 21 Oct 2015 07:28:00 GMT", undefined],
    [500, "5", undefined],
  ])("%i with Retry-After %j", (status, header, seconds) => {
    const error = errorOfAnswer(transfer, answer(status, { code: "X" }, { "retry-after": header }));
    expect((error as GlobusApiError).retryAfterSeconds).toBe(seconds);
  });
});

describe("isRetryable", () => {
  it.each([
    [429, "RateLimited", true],
    [500, "InternalError", true],
    [502, "BadGateway", true],
    [503, "ServiceUnavailable", true],
    [504, "GatewayTimeout", true],
    [502, "ExternalError.DirListingFailed.GCDisconnected", false],
    [500, "EndpointError", false],
    [504, "ExternalError.Timeout", false],
    // Retry-After statuses come first in the SDK's check order, whatever the code says.
    [503, "EndpointError", true],
    [429, "ExternalError.Busy", true],
    [400, "ClientError.BadRequest", false],
    [401, "AuthenticationFailed", false],
    [403, "PermissionDenied", false],
    [404, "EndpointNotFound", false],
    [408, "RequestTimeout", false],
    [409, "Conflict", false],
  ])("Transfer %i %s → %s", (status, code, expected) => {
    expect(isRetryable(apiError({ status, code }))).toBe(expected);
  });

  it("retries Auth 5xx whatever its code, and transport failures", () => {
    expect(isRetryable(apiError({ service: "auth", status: 502, code: "ExternalError" }))).toBe(
      true,
    );
    const unavailable = new GlobusUnavailableError({
      service: "transfer",
      method: "GET",
      url: "https://t/",
      reason: "timeout",
      cause: undefined,
    });
    expect(isRetryable(unavailable)).toBe(true);
    expect(unavailable.message).toBe("Transfer did not answer in time (GET https://t/)");
  });

  it("never retries a body that does not match its schema, or anything else", () => {
    const response = new GlobusResponseError({
      service: "transfer",
      status: 200,
      method: "GET",
      url: "https://t/",
      issues: "✖ bad",
    });
    expect(isRetryable(response)).toBe(false);
    expect(isRetryable(new Error("x"))).toBe(false);
  });
});
