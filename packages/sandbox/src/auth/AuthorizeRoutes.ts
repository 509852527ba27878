/**
 * The browser side of the sandbox's Auth: `GET /v2/oauth2/authorize` (checks, consent page or
 * auto-approval), the Allow/Deny decision and the native apps' code page. Every refusal is an HTML
 * page and never a redirect, so an unchecked redirect_uri never receives anything.
 */
import { randomUUID } from "node:crypto";
import { parseScopes, type Scope } from "@transflow/core";
import type { ClientConfig } from "../config/SandboxConfig.ts";
import {
  formBody,
  type Handler,
  html,
  type Route,
  redirect,
  route,
  type SandboxRequest,
  type SandboxResponse,
} from "../server/Http.ts";
import { unknownScopesDetail } from "./AuthErrors.ts";
import { type AuthState, authBaseUrl, nativeRedirectUri } from "./AuthState.ts";
import { authCodePage, consentPage, deniedPage, errorPage, type ScopeView } from "./ConsentPage.ts";
import { isCodeChallenge, PKCE_METHOD } from "./Pkce.ts";
import { redirectUriAllowed, withQuery } from "./RedirectUri.ts";
import {
  consentNodeCount,
  describeScope,
  MAX_CONSENT_NODES,
  unknownScopeNames,
} from "./ScopeCatalog.ts";
import { randomSecret, secretDigest } from "./Secrets.ts";

/** How long a consent page may stay open before its Allow/Deny is refused. */
const PENDING_LIFETIME_MS = 30 * 60 * 1000;

/** Query parameters that ask Globus for a fresh login (GARE `session_required_*`, reference §4.4). */
const SESSION_PARAMETERS = [
  "session_required_identities",
  "session_required_single_domain",
  "session_required_policies",
  "session_required_mfa",
];

/** An authorize request that passed every check, waiting for Allow/Deny. */
interface PendingAuthorization {
  readonly clientId: string;
  readonly identityId: string;
  readonly redirectUri: string;
  /** The redirect is the native default page: show the code instead of redirecting. */
  readonly showsCodePage: boolean;
  readonly scopes: readonly Scope[];
  readonly state: string | undefined;
  readonly codeChallenge: string | undefined;
  readonly offline: boolean;
  readonly authTime: number;
  readonly expiresAt: number;
}

const scopeViews = (state: AuthState, scopes: readonly Scope[]): ScopeView[] =>
  scopes.map((scope) => ({
    scope: scope.name,
    description: describeScope(state.ctx, scope.name),
    optional: scope.optional,
    dependencies: scopeViews(state, scope.dependencies),
  }));

/** The authorize, decision and code-page routes. */
export const authorizeRoutes = (state: AuthState): Route[] => {
  const { ctx } = state;
  /** By digest of the one-time id carried in the consent form. */
  const pending = new Map<string, PendingAuthorization>();

  const failure = (
    request: SandboxRequest,
    title: string,
    message: string,
    code: string,
    hint?: string,
  ): SandboxResponse =>
    html(
      400,
      errorPage({
        title,
        message,
        code,
        errorId: randomUUID(),
        time: new Date(request.now).toISOString(),
        ...(hint === undefined ? {} : { hint }),
      }),
    );

  /** Records the consent and hands out a code: by redirect, or on the native code page. */
  const approve = (
    request: SandboxRequest,
    authorization: PendingAuthorization,
    options: { readonly autoApproved: boolean },
  ): SandboxResponse => {
    const granted = state.consents.grant(
      authorization.clientId,
      authorization.identityId,
      authorization.scopes,
      request.now,
      options.autoApproved,
    );
    if (!granted.ok) {
      return failure(request, "Invalid scope", granted.error, "INVALID_SCOPE");
    }
    state.counters.consentsGranted++;
    const code = state.tokens.issueCode(
      {
        clientId: authorization.clientId,
        identityId: authorization.identityId,
        redirectUri: authorization.redirectUri,
        scopes: authorization.scopes,
        state: authorization.state,
        codeChallenge: authorization.codeChallenge,
        offline: authorization.offline,
        authTime: authorization.authTime,
        expiresAt: request.now + ctx.config.authorizationCodeLifetimeSeconds * 1000,
      },
      request.now,
    );
    // After a click, the code is shown on this very response so it stays out of the browser
    // history; without a page (auto-approval) Globus's own route below shows it.
    if (authorization.showsCodePage && !options.autoApproved) return html(200, authCodePage(code));
    return redirect(withQuery(authorization.redirectUri, { code, state: authorization.state }));
  };

  const authorize: Handler = (request) => {
    const query = request.query;
    const clientId = query.get("client_id") ?? "";
    const client = state.clients.get(clientId);
    if (client === undefined) {
      return failure(
        request,
        "Unknown client",
        clientId === ""
          ? "The request has no client_id."
          : `client_id=${clientId} is not a registered client.`,
        "INVALID_CLIENT",
        "Use a client id from the sandbox configuration (clients[].id).",
      );
    }
    const redirectUri = query.get("redirect_uri");
    if (redirectUri === null) {
      return failure(
        request,
        "Missing redirect_uri",
        "The request has no redirect_uri.",
        "INVALID_REQUEST",
      );
    }
    const showsCodePage =
      client.type === "native" && redirectUri === nativeRedirectUri(authBaseUrl(request));
    if (!showsCodePage && !redirectUriAllowed(client.redirectUris, redirectUri)) {
      return failure(
        request,
        "Invalid redirect_uri",
        `redirect_uri ${redirectUri} is not registered for client_id=${client.id}.`,
        "INVALID_REDIRECT_URI",
        "Register it in the sandbox configuration (clients[].redirectUris); loopback URIs such as http://127.0.0.1 match any port.",
      );
    }
    const responseType = query.get("response_type");
    if (responseType !== "code") {
      return failure(
        request,
        "Unsupported response_type",
        `response_type must be "code", not ${JSON.stringify(responseType ?? "")}.`,
        "UNSUPPORTED_RESPONSE_TYPE",
      );
    }
    const parsed = parseScopes(query.get("scope") ?? "");
    if (!parsed.ok) return failure(request, "Invalid scope string", parsed.error, "INVALID_SCOPE");
    if (parsed.scopes.length === 0) {
      return failure(request, "Missing scope", "The request asks for no scope.", "INVALID_SCOPE");
    }
    if (consentNodeCount(parsed.scopes, MAX_CONSENT_NODES) > MAX_CONSENT_NODES) {
      return failure(
        request,
        "Too many scopes",
        `The scope tree expands to more than ${MAX_CONSENT_NODES} consents.`,
        "INVALID_SCOPE",
      );
    }
    const unknown = unknownScopeNames(ctx, parsed.scopes);
    if (unknown.length > 0) {
      return failure(
        request,
        "Unknown scope(s)",
        unknownScopesDetail(client.id, unknown),
        "UNKNOWN_SCOPE_ERROR",
        "A data_access scope exists only for a GCS v5 mapped collection that is not high assurance; guest, personal (Globus Connect Personal) and high-assurance collections and endpoints have none.",
      );
    }
    const pkce = checkPkce(client, query);
    if (!pkce.ok) return failure(request, "Invalid PKCE parameters", pkce.error, "INVALID_REQUEST");
    const accessType = query.get("access_type") ?? "online";
    if (accessType !== "online" && accessType !== "offline") {
      return failure(
        request,
        "Invalid access_type",
        `access_type must be "online" or "offline", not ${JSON.stringify(accessType)}.`,
        "INVALID_REQUEST",
      );
    }

    // One person, one browser session: logging in again only moves the authentication time.
    const freshLogin =
      query.get("prompt") === "login" || SESSION_PARAMETERS.some((name) => query.has(name));
    if (state.sessionAuthTime === undefined || freshLogin) state.sessionAuthTime = request.now;

    const authorization: PendingAuthorization = {
      clientId: client.id,
      identityId: state.person.id,
      redirectUri,
      showsCodePage,
      scopes: parsed.scopes,
      state: query.get("state") ?? undefined,
      codeChallenge: pkce.challenge,
      offline: accessType === "offline",
      authTime: state.sessionAuthTime,
      expiresAt: request.now + PENDING_LIFETIME_MS,
    };
    // Globus does not ask again for what the person already granted this client.
    if (
      ctx.config.autoApprove ||
      state.consents.containsAll(client.id, state.person.id, parsed.scopes)
    ) {
      return approve(request, authorization, { autoApproved: true });
    }

    for (const [key, entry] of pending) {
      if (entry.expiresAt <= request.now) pending.delete(key);
    }
    const requestId = randomSecret();
    pending.set(secretDigest(requestId), authorization);
    return html(
      200,
      consentPage({
        clientName: client.name,
        clientId: client.id,
        identityName: state.person.name,
        identityUsername: state.person.username,
        scopes: scopeViews(state, parsed.scopes),
        requestId,
        action: "authorize/decision",
        sessionMessage: query.get("session_message") ?? undefined,
        namedGrant: query.get("prefill_named_grant") ?? undefined,
      }),
    );
  };

  const decide: Handler = (request) => {
    const form = formBody(request);
    const key = secretDigest(form.get("request_id") ?? "");
    const authorization = pending.get(key);
    pending.delete(key);
    const client =
      authorization === undefined ? undefined : state.clients.get(authorization.clientId);
    if (
      authorization === undefined ||
      client === undefined ||
      authorization.expiresAt <= request.now
    ) {
      return failure(
        request,
        "Login request not found",
        "This login request has expired or was already answered.",
        "INVALID_REQUEST",
        "Start the login again from the application.",
      );
    }
    switch (form.get("decision")) {
      case "allow":
        return approve(request, authorization, { autoApproved: false });
      case "deny":
        if (authorization.showsCodePage) return html(200, deniedPage(client.name));
        return redirect(
          withQuery(authorization.redirectUri, {
            error: "access_denied",
            state: authorization.state,
          }),
        );
      default:
        return failure(
          request,
          "Invalid decision",
          'The form must say "allow" or "deny".',
          "INVALID_REQUEST",
          "Start the login again from the application.",
        );
    }
  };

  /** Globus's `/v2/web/auth-code`: where native apps' codes land to be copied by hand. */
  const codePage: Handler = (request) => {
    const code = request.query.get("code");
    if (code !== null && code !== "") return html(200, authCodePage(code));
    if (request.query.get("error") === "access_denied") return html(200, deniedPage(undefined));
    return failure(
      request,
      "No authorization code",
      "This page shows a code after a login.",
      "INVALID_REQUEST",
    );
  };

  return [
    route("GET", "/v2/oauth2/authorize", authorize),
    route("POST", "/v2/oauth2/authorize/decision", decide),
    route("GET", "/v2/web/auth-code", codePage),
  ];
};

/**
 * PKCE as Globus requires it: native clients must send an S256 challenge; a confidential client
 * may, and then it is checked the same way. `plain` protects nothing and is refused.
 */
const checkPkce = (
  client: ClientConfig,
  query: URLSearchParams,
):
  | { readonly ok: true; readonly challenge: string | undefined }
  | { readonly ok: false; readonly error: string } => {
  const challenge = query.get("code_challenge");
  const method = query.get("code_challenge_method");
  if (challenge === null) {
    if (client.type === "native") {
      return {
        ok: false,
        error: `A native app must use PKCE: send code_challenge with code_challenge_method=${PKCE_METHOD}.`,
      };
    }
    if (method !== null)
      return { ok: false, error: "code_challenge_method was sent without code_challenge." };
    return { ok: true, challenge: undefined };
  }
  // RFC 7636 §4.3: a missing method means "plain".
  if (method !== PKCE_METHOD) {
    return {
      ok: false,
      error: `code_challenge_method must be ${PKCE_METHOD}, not ${JSON.stringify(method ?? "plain")}.`,
    };
  }
  if (!isCodeChallenge(challenge)) {
    return {
      ok: false,
      error:
        "code_challenge must be the unpadded base64url SHA-256 of the code verifier (43 characters).",
    };
  }
  return { ok: true, challenge };
};
