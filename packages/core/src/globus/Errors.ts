/**
 * Error bodies of Globus Auth and Transfer (plus the Flows shape found in the shared fixtures),
 * the Globus Auth Requirements Error (GARE) and ConsentRequired, with small pure readers that
 * decide what the runner must ask the user to grant. Never throws: unknown input gives `undefined`.
 */
import { z } from "zod";

// ---------------------------------------------------------------------------------------------
// Globus Auth Requirements Error (GARE)
// ---------------------------------------------------------------------------------------------

/**
 * GARE codes Globus defines; services also send others (`AuthPolicyFailed`, `ExternalError.…`).
 * @see globus-api.md §4.4
 */
export const gareCodes = ["ConsentRequired", "AuthorizationRequired"] as const;

/**
 * A list of strings, also accepted as the legacy comma-separated string (some Transfer errors
 * send `session_required_policies: "id1,id2"`); always decoded to an array. Unlike the Python SDK,
 * items are trimmed and empty ones dropped.
 */
const CommaList = z.union([
  z.array(z.string()),
  z.string().transform((text) =>
    text
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  ),
]);

/**
 * The `authorization_parameters` of a GARE: what a new authorize flow must ask for (scopes as
 * `scope`, the `session_*` fields and `prompt` as query parameters). Accepts the legacy
 * comma-separated-string forms of `session_required_policies` / `session_required_single_domain`
 * and decodes them to arrays; every field may be absent or null, as in the Python SDK.
 * @see globus-api.md §4.4
 */
export const AuthorizationParameters = z.looseObject({
  session_message: z.string().nullish(),
  session_required_identities: z.array(z.string()).nullish(),
  session_required_policies: CommaList.nullish(),
  session_required_single_domain: CommaList.nullish(),
  session_required_mfa: z.boolean().nullish(),
  required_scopes: z.array(z.string()).nullish(),
  /** OIDC `prompt`; Globus Auth supports `login` and `none`. */
  prompt: z.string().nullish(),
});
export type AuthorizationParameters = z.infer<typeof AuthorizationParameters>;

/**
 * A Globus Auth Requirements Error: a `code` plus `authorization_parameters`; other fields are
 * extra. Found at the root of an error body or in its `errors[]` sub-documents.
 * @see globus-api.md §4.4
 */
export const AuthRequirementsErrorBody = z.looseObject({
  code: z.string(),
  authorization_parameters: AuthorizationParameters,
});
export type AuthRequirementsErrorBody = z.infer<typeof AuthRequirementsErrorBody>;

/**
 * A `ConsentRequired` error: Transfer's 403 (with `required_scopes`, nowadays also a GARE
 * `authorization_parameters`) or the legacy action-provider / Flows form with one `required_scope`
 * string and a `description`. One of `required_scopes` / `required_scope` must be present.
 * @see globus-api.md §4.3
 */
export const ConsentRequiredBody = z
  .looseObject({
    code: z.literal("ConsentRequired"),
    message: z.string().optional(),
    request_id: z.string().optional(),
    resource: z.string().optional(),
    required_scopes: z.array(z.string()).optional(),
    required_scope: z.string().optional(),
    description: z.string().optional(),
    authorization_parameters: AuthorizationParameters.optional(),
  })
  .refine((body) => body.required_scopes !== undefined || body.required_scope !== undefined, {
    message: "a ConsentRequired body names required_scopes (list) or required_scope (string)",
    path: ["required_scopes"],
  });
export type ConsentRequiredBody = z.infer<typeof ConsentRequiredBody>;

// ---------------------------------------------------------------------------------------------
// Transfer
// ---------------------------------------------------------------------------------------------

/**
 * Transfer error codes named by the reference (dotted hierarchies: the prefix is the category).
 * Not exhaustive, so `TransferErrorBody.code` stays a string. Both 401 spellings exist.
 * @see globus-api.md §5.12
 */
export const transferErrorCodes = [
  "BadRequest",
  "ClientError.BadRequest",
  "ClientError.BadRequest.NoTransferItems",
  "ClientError.BadRequest.ResourcePropertyValueError",
  "AuthenticationFailed",
  "ClientError.AuthenticationFailed",
  "PermissionDenied",
  "EndpointPermissionDenied",
  "ConsentRequired",
  "AuthPolicyFailed",
  "NotFound",
  "ClientError.NotFound",
  "EndpointNotFound",
  "EndpointDeleted",
  "Conflict",
  "InternalError",
  "ExternalError.DirListingFailed.GCDisconnected",
  "ExternalError.DirListingFailed.LoginFailed",
  "ExternalError.MkdirFailed.Exists",
  "ExternalError.MkdirFailed.PermissionDenied",
  "EndpointError",
  "OperationPaused",
  "NotSupported",
  "ServiceUnavailable",
] as const;
export type TransferErrorCode = (typeof transferErrorCodes)[number];

/**
 * The two spellings of Transfer's bad/expired-token code: the CLI's tests use
 * `ClientError.AuthenticationFailed`, the JS SDK's bare `AuthenticationFailed`.
 * @see globus-api.md §5.12
 */
export const authenticationFailedCodes = [
  "ClientError.AuthenticationFailed",
  "AuthenticationFailed",
] as const;

/**
 * Whether a Transfer error code says the token was refused, in either spelling.
 * @see globus-api.md §5.12
 */
export const isAuthenticationFailedCode = (code: string): boolean =>
  (authenticationFailedCodes as readonly string[]).includes(code);

/**
 * A Transfer error body ("type zero": `code`, `message`, optional `request_id`); `resource` lacks
 * the `/v0.10` prefix in real responses. Some 500s carry only `code` and `request_id`, so
 * `message` is optional.
 * @see globus-api.md §5.12
 */
export const TransferErrorBody = z.looseObject({
  code: z.string().min(1),
  message: z.string().optional(),
  request_id: z.string().optional(),
  resource: z.string().optional(),
  /** GARE parameters (ConsentRequired, AuthPolicyFailed, `ExternalError.….LoginFailed`). */
  authorization_parameters: AuthorizationParameters.optional(),
  /** ConsentRequired only. */
  required_scopes: z.array(z.string()).optional(),
  /** Older responses: the HTTP status as a string, and `"Transfer API Error"`. */
  "HTTP status": z.string().optional(),
  error_name: z.string().optional(),
});
export type TransferErrorBody = z.infer<typeof TransferErrorBody>;

// ---------------------------------------------------------------------------------------------
// Auth
// ---------------------------------------------------------------------------------------------

/**
 * One JSON:API-style sub-error of a Globus Auth error body; `status` is the HTTP status as a
 * string; dependent-consent errors list `unapproved_scopes`.
 * @see globus-api.md §2.6
 */
export const AuthErrorItem = z.looseObject({
  code: z.string(),
  id: z.string(),
  status: z.string(),
  title: z.string(),
  detail: z.string().nullable(),
  unapproved_scopes: z.array(z.string()).optional(),
  authorization_parameters: AuthorizationParameters.optional(),
});
export type AuthErrorItem = z.infer<typeof AuthErrorItem>;

/**
 * A Globus Auth error body with `errors[]` (API calls, userinfo, some token-endpoint errors),
 * usually also carrying the OAuth `error` / `error_description`.
 * @see globus-api.md §2.6
 */
export const AuthErrorBody = z.looseObject({
  errors: z.array(AuthErrorItem).min(1),
  error: z.string().optional(),
  error_description: z.string().optional(),
});
export type AuthErrorBody = z.infer<typeof AuthErrorBody>;

/**
 * An OAuth 2 error body of the token endpoints (`{"error": "invalid_grant"}`), possibly with
 * `error_description` and JSON:API `errors[]`.
 * @see globus-api.md §2.6
 */
export const OAuthErrorBody = z.looseObject({
  error: z.string().min(1),
  error_description: z.string().optional(),
  errors: z.array(AuthErrorItem).optional(),
});
export type OAuthErrorBody = z.infer<typeof OAuthErrorBody>;

/**
 * A Globus Flows error body (`MISSING_SCOPE`, `UNPROCESSABLE_ENTITY`, …); only here because the
 * shared error fixtures include one.
 * @see globus-api.md §7.1
 */
export const FlowsErrorBody = z.looseObject({
  error: z.looseObject({ code: z.string(), detail: z.unknown() }),
  debug_id: z.string().optional(),
});
export type FlowsErrorBody = z.infer<typeof FlowsErrorBody>;

// ---------------------------------------------------------------------------------------------
// Readers
// ---------------------------------------------------------------------------------------------

type JsonObject = Readonly<Record<string, unknown>>;

const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isStringArray = (value: unknown): value is readonly string[] =>
  Array.isArray(value) && value.every((item) => typeof item === "string");

/** The documents to search, in order: the body itself, then each object in its `errors[]`. */
const documentsOf = (body: unknown): JsonObject[] => {
  if (!isJsonObject(body)) return [];
  const errors = Array.isArray(body.errors) ? body.errors.filter(isJsonObject) : [];
  return [body, ...errors];
};

/**
 * Whether an error body is a ConsentRequired the user can fix by consenting, decided as the Python
 * SDK's `err.info.consent_required` does: root `code === "ConsentRequired"` and a `required_scopes`
 * list or a `required_scope` string.
 * @see globus-api.md §4.3
 */
export const isConsentRequired = (body: unknown): boolean =>
  isJsonObject(body) &&
  body.code === "ConsentRequired" &&
  (isStringArray(body.required_scopes) || typeof body.required_scope === "string");

/**
 * Every scope string an error body asks the user to consent to, without repeats: from
 * `required_scopes`, `required_scope` and `authorization_parameters.required_scopes`, the root
 * document first, then each `errors[]` sub-document. Auth's `unapproved_scopes` are not included.
 * @see globus-api.md §4.3
 */
export const requiredScopesOf = (body: unknown): string[] => {
  const scopes: string[] = [];
  const add = (scope: unknown): void => {
    if (typeof scope === "string" && scope.length > 0 && !scopes.includes(scope)) {
      scopes.push(scope);
    }
  };
  for (const doc of documentsOf(body)) {
    if (Array.isArray(doc.required_scopes)) doc.required_scopes.forEach(add);
    add(doc.required_scope);
    const parameters = doc.authorization_parameters;
    if (isJsonObject(parameters) && Array.isArray(parameters.required_scopes)) {
      parameters.required_scopes.forEach(add);
    }
  }
  return scopes;
};

/**
 * The GARE `authorization_parameters` of an error body, normalised (comma-separated legacy
 * strings become arrays): from the root document first, then the first `errors[]` sub-document
 * that has one. Like the Python SDK's `to_gare`, a legacy ConsentRequired without parameters
 * becomes `{ required_scopes, session_message }` (from `required_scopes` + `message`, or
 * `required_scope` + `description`). `undefined` when the body carries no requirement.
 * @see globus-api.md §4.4
 */
export const authorizationParametersOf = (body: unknown): AuthorizationParameters | undefined => {
  for (const doc of documentsOf(body)) {
    if (isJsonObject(doc.authorization_parameters)) {
      const parsed = AuthorizationParameters.safeParse(doc.authorization_parameters);
      if (parsed.success) return parsed.data;
    }
    if (doc.code !== "ConsentRequired") continue;
    if (isStringArray(doc.required_scopes)) {
      return {
        required_scopes: [...doc.required_scopes],
        ...(typeof doc.message === "string" ? { session_message: doc.message } : {}),
      };
    }
    if (typeof doc.required_scope === "string") {
      return {
        required_scopes: [doc.required_scope],
        ...(typeof doc.description === "string" ? { session_message: doc.description } : {}),
      };
    }
  }
  return undefined;
};
