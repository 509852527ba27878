/**
 * The failures of talking to Globus that a caller can act on, as tagged errors with readable
 * messages, and `isRetryable`, the one predicate that decides which of them are worth another try
 * (reference §6.1). Token values never reach these errors: they hold Globus's answers only.
 */
import { Data } from "effect";
import type { GlobusService } from "./GlobusConfig.ts";

const serviceName = (service: GlobusService): string =>
  service === "auth" ? "Globus Auth" : "Transfer";

const requestIdNote = (requestId: string | undefined): string =>
  requestId === undefined || requestId === "" ? "" : ` (request_id ${requestId})`;

/** Globus answered with an error status (after any retries). */
export class GlobusApiError extends Data.TaggedError("GlobusApiError")<{
  readonly service: GlobusService;
  readonly status: number;
  /** Globus's code (`EndpointNotFound`, `ExternalError.…`; Auth's `error` or `errors[0].code`). */
  readonly code: string;
  /** Globus's own message, when it gave one. */
  readonly globusMessage: string | undefined;
  readonly requestId: string | undefined;
  readonly resource: string | undefined;
  readonly method: string;
  readonly url: string;
  /** A usable `Retry-After` (whole seconds, > 0) on a 429/503. */
  readonly retryAfterSeconds: number | undefined;
  /** The decoded JSON body (undefined when it was not JSON), for readers such as GARE parsing. */
  readonly body: unknown;
}> {
  override get message(): string {
    const text = this.globusMessage === undefined ? "" : `: ${this.globusMessage}`;
    return `${serviceName(this.service)} answered ${this.status} ${this.code}${text}${requestIdNote(this.requestId)}`;
  }
}

/** Transfer needs a consent the token does not carry (403 `ConsentRequired`). */
export class ConsentRequiredError extends Data.TaggedError("ConsentRequiredError")<{
  /** Scope strings to grant, each possibly a tree (`transfer:all[*…/data_access]`). */
  readonly requiredScopes: readonly string[];
  readonly globusMessage: string | undefined;
  readonly requestId: string | undefined;
  readonly resource: string | undefined;
  readonly method: string;
  readonly url: string;
}> {
  override get message(): string {
    const why = this.globusMessage ?? "Missing required consent";
    return `Transfer needs more consent: ${why}${requestIdNote(this.requestId)}; grant: ${this.requiredScopes.join(" ")}`;
  }
}

/** Which token-endpoint grant failed. */
export type TokenGrant = "client_credentials" | "refresh_token" | "authorization_code";

const grantName = (grant: TokenGrant): string =>
  grant === "client_credentials"
    ? "the client credentials"
    : grant === "refresh_token"
      ? "the refresh token"
      : "the authorization code";

/** Globus Auth does not accept the credentials: bad client id/secret, revoked refresh token. */
export class AuthenticationError extends Data.TaggedError("AuthenticationError")<{
  readonly grant: TokenGrant;
  readonly status: number;
  /** OAuth `error` (`invalid_client`, `invalid_grant`, …). */
  readonly error: string;
  readonly errorDescription: string | undefined;
  readonly requestId: string | undefined;
}> {
  override get message(): string {
    const description = this.errorDescription === undefined ? "" : ` (${this.errorDescription})`;
    return `Globus Auth refused ${grantName(this.grant)}: ${this.status} ${this.error}${description}${requestIdNote(this.requestId)}`;
  }
}

/** Any other token-endpoint refusal: unknown or invalid scope, unsupported grant, server error. */
export class OAuthError extends Data.TaggedError("OAuthError")<{
  readonly grant: TokenGrant;
  readonly status: number;
  readonly error: string;
  readonly errorDescription: string | undefined;
  /** The `detail` of each JSON:API sub-error (e.g. which scopes are unknown). */
  readonly details: readonly string[];
  readonly requestId: string | undefined;
}> {
  override get message(): string {
    const description = this.errorDescription === undefined ? "" : `: ${this.errorDescription}`;
    const details = this.details.length === 0 ? "" : ` (${this.details.join("; ")})`;
    return `Globus Auth refused the ${this.grant} grant with ${this.status} ${this.error}${description}${details}${requestIdNote(this.requestId)}`;
  }
}

/** No answer from Globus: connection refused or reset, DNS failure, or the timeout ran out. */
export class GlobusUnavailableError extends Data.TaggedError("GlobusUnavailableError")<{
  readonly service: GlobusService;
  readonly method: string;
  readonly url: string;
  readonly reason: "transport" | "timeout";
  /** The underlying network error (never the request, which holds the credentials). */
  readonly cause: unknown;
}> {
  override get message(): string {
    const what =
      this.reason === "timeout"
        ? "did not answer in time"
        : `could not be reached${causeNote(this.cause)}`;
    return `${serviceName(this.service)} ${what} (${this.method} ${this.url})`;
  }
}

const causeNote = (cause: unknown): string => {
  if (!(cause instanceof Error)) return "";
  const inner = cause.cause instanceof Error ? ` (${cause.cause.message})` : "";
  return `: ${cause.message}${inner}`;
};

/** Globus answered, but the body is not the document its wire schema describes. */
export class GlobusResponseError extends Data.TaggedError("GlobusResponseError")<{
  readonly service: GlobusService;
  readonly status: number;
  readonly method: string;
  readonly url: string;
  /** zod's prettified issues, or why the body could not be read as JSON. */
  readonly issues: string;
}> {
  override get message(): string {
    return `${serviceName(this.service)} sent an unexpected ${this.status} response to ${this.method} ${this.url}:\n${this.issues}`;
  }
}

/** No identity to act as, or the configured one cannot get a token for what is asked. */
export class LoginRequiredError extends Data.TaggedError("LoginRequiredError")<{
  /** What is missing and what to set or do, in full sentences. */
  readonly reason: string;
  readonly resourceServer: string | undefined;
}> {
  override get message(): string {
    return this.reason;
  }
}

/** The reason of a `LoginRequiredError` when no identity is configured at all. */
export const noIdentityReason =
  "No Globus identity is configured: run transflow login (a person), or set TRANSFLOW_CLIENT_ID " +
  "and TRANSFLOW_CLIENT_SECRET (a confidential client), or TRANSFLOW_REFRESH_TOKEN and " +
  "TRANSFLOW_NATIVE_CLIENT_ID (a user)";

/** What one HTTP exchange with Globus can fail with. */
export type GlobusHttpError =
  | GlobusApiError
  | ConsentRequiredError
  | GlobusUnavailableError
  | GlobusResponseError;

/** Statuses whose integer `Retry-After` replaces the backoff; retried even without the header. */
export const retryAfterStatuses: readonly number[] = [429, 503];

/** Statuses Globus's SDKs treat as transient. */
export const transientStatuses: readonly number[] = [429, 500, 502, 503, 504];

/** Transfer codes that say the collection's side failed, which another try will not fix. */
const isEndpointSideCode = (code: string): boolean =>
  code.includes("ExternalError") || code.includes("EndpointError");

/**
 * Whether another attempt may succeed, in the Python SDK's check order: transport failures and
 * timeouts; then 429/503 (Retry-After statuses, whatever the code); then 500/502/504 unless a
 * Transfer code blames the endpoint. 401 is handled by the caller (refresh once); every other 4xx,
 * ConsentRequired and malformed bodies are final.
 */
export const isRetryable = (error: unknown): boolean => {
  if (error instanceof GlobusUnavailableError) return true;
  if (!(error instanceof GlobusApiError)) return false;
  if (retryAfterStatuses.includes(error.status)) return true;
  if (!transientStatuses.includes(error.status)) return false;
  return !(error.service === "transfer" && isEndpointSideCode(error.code));
};
