/**
 * Globus Auth's JSON error bodies: OAuth errors at the token endpoints (`{"error": ...}`) and the
 * JSON:API-style `errors[]` bodies of `/v2/api/*` and userinfo. Messages never contain a token.
 * @see globus-api.md §2.6, fixtures errors/auth_*.json
 */
import { randomUUID } from "node:crypto";
import { type JsonResponse, json } from "../server/Http.ts";

/** RFC 6749 §5.1: token responses and their errors must not be cached. */
export const NO_STORE: Readonly<Record<string, string>> = {
  "Cache-Control": "no-store",
  Pragma: "no-cache",
};

/**
 * `{"error": "invalid_grant"}` with 401, exactly as the Python SDK's recorded test data: a bad,
 * expired, reused or mismatched code, a wrong PKCE verifier, an unusable refresh token.
 */
export const invalidGrant = (): JsonResponse => json(401, { error: "invalid_grant" }, NO_STORE);

/**
 * `{"error": "invalid_client"}` with 401 (RFC 6749 §5.2: 401 with a `WWW-Authenticate` challenge
 * when client authentication failed): unknown client, wrong secret, or the wrong kind of
 * authentication for the client.
 */
export const invalidClient = (): JsonResponse =>
  json(401, { error: "invalid_client" }, { ...NO_STORE, "WWW-Authenticate": 'Basic realm="auth"' });

/** Any other OAuth error (RFC 6749 §5.2), status 400 unless said otherwise. */
export const oauthError = (error: string, description: string, status = 400): JsonResponse =>
  json(status, { error, error_description: description }, NO_STORE);

const TITLES = {
  400: ["BAD_REQUEST", "Bad Request"],
  401: ["UNAUTHORIZED", "Unauthorized"],
  403: ["FORBIDDEN", "Forbidden"],
  404: ["NOT_FOUND", "Not Found"],
} as const;

/**
 * A `/v2/api/*` or userinfo error in the shape of errors/auth_unauthorized.json, with a fresh
 * error id. The 401 detail is the recorded one.
 */
export const apiError = (
  status: keyof typeof TITLES,
  detail = "Call must be authenticated",
): JsonResponse => {
  const [code, title] = TITLES[status];
  const body = {
    errors: [{ status: String(status), id: randomUUID(), code, detail, title }],
    error_description: title,
    error: code.toLowerCase(),
  };
  return json(status, body, status === 401 ? { "WWW-Authenticate": 'Bearer realm="auth"' } : {});
};

/** A string as Python's `repr` writes it, as Globus's "requested unknown scopes: [...]" does. */
const pythonRepr = (text: string): string => {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text.replaceAll("\\", "\\\\").replaceAll(quote, `\\${quote}`);
  return `${quote}${escaped}${quote}`;
};

/** `client_id=<id> requested unknown scopes: ['<scope>', ...]`, the text of the Globus page. */
export const unknownScopesDetail = (clientId: string, scopes: readonly string[]): string =>
  `client_id=${clientId} requested unknown scopes: [${scopes.map(pythonRepr).join(", ")}]`;

/**
 * Unknown scope at the token endpoint (client_credentials): the whole request fails with 400 and
 * this body. Shape unconfirmed: taken from the 3rd-party candidate in reference §2.6.
 */
export const unknownScopeError = (clientId: string, scopes: readonly string[]): JsonResponse =>
  json(
    400,
    {
      errors: [
        {
          // The candidate body (globus-api.md §2.6) has no id/status; every recorded Auth error
          // item does, so the sandbox adds them.
          id: randomUUID(),
          status: "400",
          title: "Unknown scope(s)",
          detail: unknownScopesDetail(clientId, scopes),
          code: "UNKNOWN_SCOPE_ERROR",
        },
      ],
      error: "unknown_scope_error",
      error_description: "Unknown scope(s)",
    },
    NO_STORE,
  );
