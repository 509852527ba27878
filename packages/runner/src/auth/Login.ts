/**
 * A person's login to Globus as a native app: PKCE (S256) with `access_type=offline`, the code
 * back through a one-shot listener on 127.0.0.1 or pasted by hand, the code exchange, and every
 * resource server's tokens stored with the scope string consented to. The PKCE verifier and the
 * `state` live only in memory; nothing here prints (the caller shows the URL).
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { hostname } from "node:os";
import {
  mergeScopes,
  parseScopes,
  type Scope,
  serializeScopes,
  TRANSFER_ALL_SCOPE,
} from "@transflow/core";
import { Clock, Data, Deferred, Duration, Effect, Exit, Redacted } from "effect";
import { AuthApi, type TokenRequestError } from "../globus/AuthApi.ts";
import { GlobusConfig, serviceUrl } from "../globus/GlobusConfig.ts";
import {
  entriesOfResponse,
  storeEnvironment,
  TokenStore,
  type TokenStoreError,
  withEntries,
} from "./TokenStore.ts";

/** What every login asks for: who the user is (userinfo) and Transfer. */
export const BASE_LOGIN_SCOPES: readonly string[] = [
  "openid",
  "profile",
  "email",
  TRANSFER_ALL_SCOPE,
];

/** How long to wait for the browser or the pasted code. */
export const LOGIN_TIMEOUT = Duration.minutes(15);

/** No native client id was given: the user has to register an app first. */
export class NativeClientMissingError extends Data.TaggedError("NativeClientMissingError")<{
  /** The environment the id is needed for. */
  readonly environment: string;
}> {
  override get message(): string {
    return [
      "transflow needs the client id of a native app registered with Globus Auth (transflow ships none).",
      "  1. Open https://app.globus.org/settings/developers (developers.globus.org) and register",
      '     "a thick client or script that will be installed and run by users on their devices"',
      "     (a native app: no client secret), with redirect URLs https://auth.globus.org/v2/web/auth-code",
      "     and http://127.0.0.1/callback.",
      "  2. Copy its Client UUID and run: transflow login --client-id <UUID>",
      "     (it is remembered), or set TRANSFLOW_NATIVE_CLIENT_ID.",
      "The sandbox (transflow sandbox) prints a TRANSFLOW_NATIVE_CLIENT_ID of its own.",
    ].join("\n");
  }
}

/** A scope string given to `--scope` (or made by the planner) that Globus would not read. */
export class InvalidScopeError extends Data.TaggedError("InvalidScopeError")<{
  readonly scope: string;
  readonly reason: string;
}> {
  override get message(): string {
    return `The scope string ${JSON.stringify(this.scope)} is not valid: ${this.reason}`;
  }
}

/** The login did not complete: refused on the consent page, never answered, or no code given. */
export class LoginFailedError extends Data.TaggedError("LoginFailedError")<{
  readonly reason: string;
}> {
  override get message(): string {
    return `The login did not complete: ${this.reason}`;
  }
}

/**
 * The scope string a login asks for: openid, profile, email and Transfer `all`, the `extra`
 * scope strings, and everything `held` (earlier logins' requested scopes), merged into one
 * forest so a new login never drops an earlier `data_access` consent.
 */
export const loginScope = (
  extra: readonly string[],
  held: readonly string[] = [],
): Effect.Effect<string, InvalidScopeError> =>
  Effect.gen(function* () {
    let forest: Scope[] = [];
    const add = (text: string, strict: boolean) => {
      const parsed = parseScopes(text);
      const merged = parsed.ok ? mergeScopes(forest, parsed.scopes) : parsed;
      if (merged.ok) forest = merged.scopes;
      // An unreadable stored scope only loses its own consents; a bad argument is refused.
      else if (strict) return new InvalidScopeError({ scope: text, reason: merged.error });
      return undefined;
    };
    for (const text of [...BASE_LOGIN_SCOPES, ...extra]) {
      const error = add(text, true);
      if (error !== undefined) return yield* error;
    }
    for (const text of held) add(text, false);
    return serializeScopes(forest);
  });

/** How the authorization code comes back. */
export type LoginMode =
  /** A one-shot HTTP listener on 127.0.0.1 receives the browser's redirect. */
  | { readonly kind: "localServer" }
  /** Globus shows the code on its page; the user pastes it (a login node over SSH). */
  | {
      readonly kind: "paste";
      /** The next line the user typed; undefined at the end of input. */
      readonly readLine: Effect.Effect<string | undefined>;
    };

export interface LoginRequest {
  readonly clientId: string;
  /** The whole scope string to ask for (see `loginScope`). */
  readonly scope: string;
  readonly mode: LoginMode;
  /** Shows the authorize URL (the cli prints it); `redirectUri` says where the code goes. */
  readonly showUrl: (url: string, redirectUri: string) => Effect.Effect<void>;
  /** @default LOGIN_TIMEOUT */
  readonly timeout?: Duration.Duration;
}

export interface LoginResult {
  readonly environment: string;
  readonly clientId: string;
  /** The scope string consented to, now stored with every token. */
  readonly requestedScope: string;
  /** The resource servers tokens were stored for. */
  readonly resourceServers: readonly string[];
  /** The token file. */
  readonly location: string;
}

const base64url = (bytes: Buffer): string => bytes.toString("base64url");

/** RFC 7636: 32 random bytes make a 43-character verifier; the challenge is its SHA-256. */
const makePkce = () => {
  const verifier = base64url(randomBytes(32));
  const challenge = base64url(createHash("sha256").update(verifier).digest());
  return { verifier: Redacted.make(verifier), challenge };
};

const CALLBACK_PATH = "/callback";

const page = (title: string, text: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`;

/**
 * Listens on 127.0.0.1 (a free port) for the one redirect that carries `state`; other requests get
 * 404 or 400 and are otherwise ignored. The server closes after that request or with the scope.
 */
const startListener = (state: string) =>
  Effect.gen(function* () {
    const outcome = yield* Deferred.make<string, LoginFailedError>();
    const server = yield* Effect.acquireRelease(
      Effect.async<Server, LoginFailedError>((resume) => {
        let answered = false;
        const server = createServer((request, response) => {
          const url = new URL(request.url ?? "/", "http://127.0.0.1");
          response.setHeader("content-type", "text/html; charset=utf-8");
          response.setHeader("connection", "close");
          response.setHeader("cache-control", "no-store");
          if (answered || request.method !== "GET" || url.pathname !== CALLBACK_PATH) {
            response.writeHead(404).end(page("Not found", "transflow is waiting for a login."));
            return;
          }
          if (url.searchParams.get("state") !== state) {
            response
              .writeHead(400)
              .end(page("Wrong login", "This answer belongs to another login; it was ignored."));
            return;
          }
          answered = true;
          const error = url.searchParams.get("error");
          const code = url.searchParams.get("code");
          if (error !== null || code === null || code === "") {
            response
              .writeHead(200)
              .end(page("Login not completed", "Return to the terminal for details."));
            Deferred.unsafeDone(
              outcome,
              Exit.fail(
                new LoginFailedError({
                  reason:
                    error === "access_denied"
                      ? "the consent was declined in the browser"
                      : `Globus Auth answered ${error ?? "without a code"}${
                          url.searchParams.get("error_description") === null
                            ? ""
                            : ` (${url.searchParams.get("error_description")})`
                        }`,
                }),
              ),
            );
          } else {
            response
              .writeHead(200)
              .end(page("Logged in", "transflow has the login. You can close this tab."));
            Deferred.unsafeDone(outcome, Exit.succeed(code));
          }
          // Exactly one answer: no further connections.
          server.close();
        });
        server.once("error", (error) =>
          resume(
            Effect.fail(
              new LoginFailedError({
                reason: `could not listen on 127.0.0.1 for the browser (${error.message}): use --no-local-server`,
              }),
            ),
          ),
        );
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)));
      }),
      (server) =>
        Effect.sync(() => {
          server.close();
          server.closeAllConnections();
        }),
    );
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    return {
      redirectUri: `http://127.0.0.1:${port}${CALLBACK_PATH}`,
      code: Deferred.await(outcome),
    };
  });

/** The code from a pasted line: the code itself, or the whole redirect URL holding it. */
const codeOfLine = (line: string, state: string): Effect.Effect<string, LoginFailedError> => {
  const text = line.trim();
  if (/^https?:\/\//.test(text)) {
    const url = new URL(text);
    const code = url.searchParams.get("code");
    const echoed = url.searchParams.get("state");
    if (echoed !== null && echoed !== state) {
      return Effect.fail(
        new LoginFailedError({ reason: "the pasted URL belongs to another login" }),
      );
    }
    if (code === null || code === "") {
      return Effect.fail(new LoginFailedError({ reason: "the pasted URL holds no code" }));
    }
    return Effect.succeed(code);
  }
  return Effect.succeed(text);
};

const readPastedCode = (readLine: Effect.Effect<string | undefined>, state: string) =>
  Effect.gen(function* () {
    for (;;) {
      const line = yield* readLine;
      if (line === undefined) {
        return yield* new LoginFailedError({ reason: "no authorization code was entered" });
      }
      if (line.trim() !== "") return yield* codeOfLine(line, state);
    }
  });

/**
 * Runs the login: shows the authorize URL, waits for the code, exchanges it and stores every
 * resource server's tokens (replacing the same client's earlier ones) with `requestedScope`.
 */
export const login = (
  request: LoginRequest,
): Effect.Effect<LoginResult, LoginError, AuthApi | GlobusConfig | TokenStore> =>
  Effect.scoped(
    Effect.gen(function* () {
      const config = yield* GlobusConfig;
      const auth = yield* AuthApi;
      const store = yield* TokenStore;
      const environment = storeEnvironment(config);
      const pkce = makePkce();
      const state = base64url(randomBytes(16));

      const mode = request.mode;
      // Where the code goes: our listener, or Globus's page that shows it for pasting.
      const { redirectUri, code: waited } =
        mode.kind === "localServer"
          ? yield* startListener(state)
          : {
              redirectUri: serviceUrl(config, "auth", "/v2/web/auth-code"),
              code: readPastedCode(mode.readLine, state),
            };
      const query = new URLSearchParams({
        client_id: request.clientId,
        redirect_uri: redirectUri,
        scope: request.scope,
        state,
        response_type: "code",
        code_challenge: pkce.challenge,
        code_challenge_method: "S256",
        access_type: "offline",
        prefill_named_grant: `transflow on ${hostname()}`,
      });
      const url = `${serviceUrl(config, "auth", "/v2/oauth2/authorize")}?${query}`;
      yield* request.showUrl(url, redirectUri);

      const code = yield* waited.pipe(
        Effect.timeoutFail({
          duration: request.timeout ?? LOGIN_TIMEOUT,
          onTimeout: () =>
            new LoginFailedError({
              reason: `no answer within ${Duration.format(request.timeout ?? LOGIN_TIMEOUT)}`,
            }),
        }),
      );

      const response = yield* auth.exchangeCode({
        clientId: request.clientId,
        code: Redacted.make(code),
        codeVerifier: pkce.verifier,
        redirectUri,
      });
      if (response.state !== undefined && response.state !== state) {
        return yield* new LoginFailedError({
          reason: "Globus Auth echoed another login's state; nothing was stored",
        });
      }
      const now = yield* Clock.currentTimeMillis;
      const added = entriesOfResponse(response, {
        environment,
        clientId: request.clientId,
        requestedScope: request.scope,
        now,
        previous: [],
      });
      // The new login asked for everything the earlier ones did: their tokens are replaced.
      yield* store.modify((entries) =>
        Effect.succeed({ result: undefined, entries: withEntries(entries, added) }),
      );
      return {
        environment,
        clientId: request.clientId,
        requestedScope: request.scope,
        resourceServers: added.map((entry) => entry.resourceServer),
        location: store.location,
      } satisfies LoginResult;
    }),
  );

/** What a login can fail with. */
export type LoginError = LoginFailedError | TokenRequestError | TokenStoreError;

/**
 * The native client id to log in with: `--client-id`, else `TRANSFLOW_NATIVE_CLIENT_ID`, else the
 * one remembered in config.json for this environment.
 */
export const nativeClientId = (options: {
  readonly flag: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
}): Effect.Effect<string, NativeClientMissingError | TokenStoreError, GlobusConfig | TokenStore> =>
  Effect.gen(function* () {
    const environment = storeEnvironment(yield* GlobusConfig);
    const store = yield* TokenStore;
    const flag = options.flag?.trim();
    if (flag !== undefined && flag !== "") return flag;
    const fromEnv = options.env.TRANSFLOW_NATIVE_CLIENT_ID?.trim();
    if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
    const remembered = (yield* store.readConfig).nativeClientIds[environment];
    if (remembered !== undefined) return remembered;
    return yield* new NativeClientMissingError({ environment });
  });

/** Remembers `clientId` in config.json for the configured environment (after a `--client-id` login). */
export const rememberNativeClientId = (
  clientId: string,
): Effect.Effect<void, TokenStoreError, GlobusConfig | TokenStore> =>
  Effect.gen(function* () {
    const environment = storeEnvironment(yield* GlobusConfig);
    yield* (yield* TokenStore).updateConfig((config) => ({
      ...config,
      nativeClientIds: { ...config.nativeClientIds, [environment]: clientId },
    }));
  });
