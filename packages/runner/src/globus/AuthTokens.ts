/**
 * Access tokens per resource server for the configured identity: obtained from a
 * `CredentialSource`, cached, renewed 60 s before they expire, one token request at a time so
 * concurrent callers share it, and forgotten on a 401 so the next call gets a fresh one.
 */

import { TRANSFER_ALL_SCOPE, TRANSFER_RESOURCE_SERVER } from "@transflow/core";
import type { TokenResponse } from "@transflow/core/globus";
import { Clock, Context, Duration, Effect, Either, Layer, Redacted, Ref } from "effect";
import type { TokenStoreError } from "../auth/TokenStore.ts";
import { AuthApi, type TokenRequestError } from "./AuthApi.ts";
import { type CredentialSource, type CredentialsError, credentialsFromEnv } from "./Credentials.ts";
import { LoginRequiredError, noIdentityReason } from "./GlobusErrors.ts";

/**
 * Who the tokens act for: a person (a refresh token from the environment, or the token store's
 * login: see `auth/StoredAuthTokens.ts`), the client itself, or nobody yet.
 */
export type Identity = "user" | "client" | "none";

/** Stored logins add the token file's errors (unreadable, insecure). */
export type AuthTokensError = LoginRequiredError | TokenRequestError | TokenStoreError;

export interface AuthTokensShape {
  readonly identity: Identity;
  /** A valid access token for the resource server (e.g. `transfer.api.globus.org`). */
  readonly accessTokenFor: (
    resourceServer: string,
  ) => Effect.Effect<Redacted.Redacted<string>, AuthTokensError>;
  /**
   * Forgets the cached token of a resource server after Globus answered 401. With `rejected`, only
   * if that is still the cached token, so callers that raced a renewal do not renew twice.
   */
  readonly invalidate: (
    resourceServer: string,
    rejected?: Redacted.Redacted<string>,
  ) => Effect.Effect<void>;
  /**
   * The scope strings the obtained tokens carry (each token's `scope`, plus every scope granted
   * through `requestScope`); obtains a first token if none was yet. Empty for no identity.
   */
  readonly grantedScopes: Effect.Effect<readonly string[], AuthTokensError>;
  /**
   * Clients only: a client_credentials grant for `scope` (possibly with dependencies, like
   * `transfer:all[*…/data_access]`), whose tokens replace the cached ones; the scope is then
   * granted. Globus grants a client what exists and refuses unknown scopes (400).
   */
  readonly requestScope: (scope: string) => Effect.Effect<void, AuthTokensError>;
}

/** Renew this long before `expires_in` runs out, as the Globus SDKs do (at most half the life). */
export const EXPIRY_MARGIN = Duration.seconds(60);

/** What a client asks for when it needs a token for a resource server it never asked about. */
const defaultScopes: Readonly<Record<string, string>> = {
  [TRANSFER_RESOURCE_SERVER]: TRANSFER_ALL_SCOPE,
};

interface CachedToken {
  readonly token: Redacted.Redacted<string>;
  /** When to stop using it, in milliseconds since the epoch by Effect's Clock. */
  readonly renewAt: number;
}

interface State {
  readonly tokens: ReadonlyMap<string, CachedToken>;
  /** Scope strings granted so far, first-seen order, without repeats. */
  readonly granted: readonly string[];
  /** The scope string last granted for each resource server, requested again on renewal. */
  readonly scopeFor: ReadonlyMap<string, string>;
  /** The user's refresh token, replaced when Auth rotates it. */
  readonly refreshToken: Redacted.Redacted<string> | undefined;
  /** The resource server the user's refresh token is for, once known. */
  readonly userResourceServer: string | undefined;
}

const addGranted = (granted: readonly string[], scopes: readonly string[]): readonly string[] => {
  const out = [...granted];
  for (const scope of scopes) if (scope !== "" && !out.includes(scope)) out.push(scope);
  return out;
};

const identityOf = (source: CredentialSource): Identity =>
  source.kind === "client" ? "client" : source.kind === "refreshToken" ? "user" : "none";

/** Tokens for one credential source. */
export const makeAuthTokens = (
  source: CredentialSource,
): Effect.Effect<AuthTokensShape, never, AuthApi> =>
  Effect.gen(function* () {
    const auth = yield* AuthApi;
    const state = yield* Ref.make<State>({
      tokens: new Map(),
      granted: [],
      scopeFor: new Map(),
      refreshToken: source.kind === "refreshToken" ? source.refreshToken : undefined,
      userResourceServer: undefined,
    });
    // One token request at a time: concurrent callers wait and then find the fresh token.
    const lock = yield* Effect.makeSemaphore(1);

    /** Caches every token of a response and records what was granted. */
    const store = (response: TokenResponse, requestedScope: string | undefined) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis;
        yield* Ref.update(state, (current) => {
          const tokens = new Map(current.tokens);
          const scopeFor = new Map(current.scopeFor);
          let granted = current.granted;
          for (const token of [response, ...response.other_tokens]) {
            const lifetime = token.expires_in * 1000;
            tokens.set(token.resource_server, {
              token: Redacted.make(token.access_token),
              // Short-lived tokens (sandbox faults) keep half their life, not none of it.
              renewAt: now + lifetime - Math.min(Duration.toMillis(EXPIRY_MARGIN), lifetime / 2),
            });
            granted = addGranted(granted, token.scope.split(/\s+/));
            if (requestedScope !== undefined) scopeFor.set(token.resource_server, requestedScope);
          }
          if (requestedScope !== undefined) granted = addGranted(granted, [requestedScope]);
          return {
            ...current,
            tokens,
            scopeFor,
            granted,
            refreshToken:
              response.refresh_token === undefined
                ? current.refreshToken
                : Redacted.make(response.refresh_token),
            userResourceServer:
              source.kind === "refreshToken"
                ? (current.userResourceServer ?? response.resource_server)
                : undefined,
          };
        });
      });

    const loginRequired = (reason: string, resourceServer?: string) =>
      Effect.fail(new LoginRequiredError({ reason, resourceServer }));

    /** Asks Auth for a token covering `resourceServer` and caches what comes back. */
    const obtain = (resourceServer: string): Effect.Effect<void, AuthTokensError> =>
      Effect.gen(function* () {
        const current = yield* Ref.get(state);
        switch (source.kind) {
          case "none":
            return yield* loginRequired(noIdentityReason, resourceServer);
          case "client": {
            const scope = current.scopeFor.get(resourceServer) ?? defaultScopes[resourceServer];
            if (scope === undefined) {
              return yield* loginRequired(
                `No scope is known for resource server ${resourceServer}: request one first`,
                resourceServer,
              );
            }
            const response = yield* auth.clientCredentials({
              clientId: source.clientId,
              clientSecret: source.clientSecret,
              scope,
            });
            return yield* store(response, scope);
          }
          case "refreshToken": {
            if (current.refreshToken === undefined) return yield* loginRequired(noIdentityReason);
            const response = yield* auth.refresh({
              clientId: source.clientId,
              refreshToken: current.refreshToken,
            });
            return yield* store(response, undefined);
          }
        }
      });

    const freshToken = (resourceServer: string) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis;
        const cached = (yield* Ref.get(state)).tokens.get(resourceServer);
        return cached !== undefined && now < cached.renewAt ? cached.token : undefined;
      });

    const accessTokenFor = Effect.fn("AuthTokens.accessTokenFor")(function* (
      resourceServer: string,
    ) {
      return yield* lock.withPermits(1)(
        Effect.gen(function* () {
          const cached = yield* freshToken(resourceServer);
          if (cached !== undefined) return cached;
          const { userResourceServer } = yield* Ref.get(state);
          if (userResourceServer !== undefined && userResourceServer !== resourceServer) {
            return yield* loginRequired(
              `The refresh token in TRANSFLOW_REFRESH_TOKEN is for ${userResourceServer}, not ${resourceServer}: log in again asking for ${resourceServer}`,
              resourceServer,
            );
          }
          yield* obtain(resourceServer);
          const fresh = yield* freshToken(resourceServer);
          if (fresh !== undefined) return fresh;
          const got = (yield* Ref.get(state)).userResourceServer;
          return yield* loginRequired(
            `Globus Auth gave no usable token for ${resourceServer}${got === undefined ? "" : ` (the refresh token is for ${got})`}`,
            resourceServer,
          );
        }),
      );
    });

    const invalidate = (resourceServer: string, rejected?: Redacted.Redacted<string>) =>
      Ref.update(state, (current) => {
        const cached = current.tokens.get(resourceServer);
        if (cached === undefined) return current;
        if (rejected !== undefined && Redacted.value(cached.token) !== Redacted.value(rejected)) {
          return current;
        }
        const tokens = new Map(current.tokens);
        tokens.delete(resourceServer);
        return { ...current, tokens };
      });

    const grantedScopes: Effect.Effect<readonly string[], AuthTokensError> = Effect.gen(
      function* () {
        if (source.kind === "none") return [];
        if ((yield* Ref.get(state)).tokens.size === 0) {
          yield* lock.withPermits(1)(
            Effect.gen(function* () {
              if ((yield* Ref.get(state)).tokens.size === 0) {
                yield* obtain(TRANSFER_RESOURCE_SERVER);
              }
            }),
          );
        }
        return (yield* Ref.get(state)).granted;
      },
    );

    const requestScope = Effect.fn("AuthTokens.requestScope")(function* (scope: string) {
      if (source.kind !== "client") {
        return yield* loginRequired(
          source.kind === "none"
            ? noIdentityReason
            : `Consent to ${scope} is granted by logging in again with that scope; a refresh token cannot add it`,
        );
      }
      yield* lock.withPermits(1)(
        Effect.gen(function* () {
          const response = yield* auth.clientCredentials({
            clientId: source.clientId,
            clientSecret: source.clientSecret,
            scope,
          });
          yield* store(response, scope);
        }),
      );
    });

    return {
      identity: identityOf(source),
      accessTokenFor,
      invalidate,
      grantedScopes,
      requestScope,
    } satisfies AuthTokensShape;
  });

/** Options of `AuthTokens.layerStatic`. */
export interface StaticTokens {
  readonly identity?: Identity;
  /** Access token per resource server. */
  readonly tokens: Readonly<Record<string, string>>;
  readonly grantedScopes?: readonly string[];
}

/** Fixed tokens that never expire, for tests. */
const makeStatic = (options: StaticTokens): Effect.Effect<AuthTokensShape> =>
  Effect.gen(function* () {
    const granted = yield* Ref.make<readonly string[]>(options.grantedScopes ?? []);
    const identity = options.identity ?? "client";
    return {
      identity,
      accessTokenFor: (resourceServer) => {
        const token = options.tokens[resourceServer];
        return token === undefined
          ? Effect.fail(
              new LoginRequiredError({
                reason: `No test token for ${resourceServer}`,
                resourceServer,
              }),
            )
          : Effect.succeed(Redacted.make(token));
      },
      invalidate: () => Effect.void,
      grantedScopes: Ref.get(granted),
      requestScope: (scope) =>
        identity === "client"
          ? Ref.update(granted, (scopes) => addGranted(scopes, [scope]))
          : Effect.fail(
              new LoginRequiredError({ reason: noIdentityReason, resourceServer: undefined }),
            ),
    };
  });

/** Access tokens for the configured identity. */
export class AuthTokens extends Context.Tag("transflow/AuthTokens")<AuthTokens, AuthTokensShape>() {
  /** For one credential source (`identityTokensLayer` adds the token store after these). */
  static readonly layerFromSource = (
    source: CredentialSource,
  ): Layer.Layer<AuthTokens, never, AuthApi> => Layer.effect(AuthTokens, makeAuthTokens(source));

  /** From an environment record (the cli passes `process.env`); see `credentialsFromEnv`. */
  static readonly layerFromEnv = (
    env: Readonly<Record<string, string | undefined>>,
  ): Layer.Layer<AuthTokens, CredentialsError, AuthApi> =>
    Layer.effect(
      AuthTokens,
      Effect.flatMap(
        Either.match(credentialsFromEnv(env), { onLeft: Effect.fail, onRight: Effect.succeed }),
        makeAuthTokens,
      ),
    );

  /** Fixed tokens, for tests. */
  static readonly layerStatic = (options: StaticTokens): Layer.Layer<AuthTokens> =>
    Layer.effect(AuthTokens, makeStatic(options));
}
