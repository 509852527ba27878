/**
 * `AuthTokens` for a person logged in with `transflow login`: access tokens read from the token
 * store and renewed with its refresh token a margin before expiry — one refresh for every fiber
 * and every process, written back under the store's lock — and `identityTokensLayer`, which picks
 * the identity in order: client credentials (env), `TRANSFLOW_REFRESH_TOKEN` (env), the store.
 */
import { Clock, Duration, Effect, Either, Layer, Redacted, Ref } from "effect";
import { AuthApi } from "../globus/AuthApi.ts";
import {
  AuthTokens,
  type AuthTokensError,
  type AuthTokensShape,
  EXPIRY_MARGIN,
  makeAuthTokens,
} from "../globus/AuthTokens.ts";
import { type CredentialsError, credentialsFromEnv } from "../globus/Credentials.ts";
import { GlobusConfig } from "../globus/GlobusConfig.ts";
import { LoginRequiredError } from "../globus/GlobusErrors.ts";
import {
  entriesOfResponse,
  isEntryFor,
  type StoredToken,
  storeEnvironment,
  TokenStore,
  type TokenStoreError,
  withEntries,
} from "./TokenStore.ts";

/** Whose stored tokens to use: a native client's, in one environment. */
export interface StoredIdentity {
  readonly environment: string;
  readonly clientId: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * When to stop using a stored access token: `EXPIRY_MARGIN` before it expires, or half-way
 * through its life when that is shorter than twice the margin (short-lived sandbox tokens).
 */
export const renewTime = (entry: StoredToken): number => {
  const lifetime = Math.max(0, entry.expiresAt - entry.issuedAt);
  return entry.expiresAt - Math.min(Duration.toMillis(EXPIRY_MARGIN), lifetime / 2);
};

const loginAgain = "run transflow login to log in again";

/** Tokens of the stored login of `identity`. */
export const makeStoredAuthTokens = (
  identity: StoredIdentity,
): Effect.Effect<AuthTokensShape, never, AuthApi | TokenStore> =>
  Effect.gen(function* () {
    const auth = yield* AuthApi;
    const store = yield* TokenStore;
    const { environment, clientId } = identity;
    const cache = yield* Ref.make<ReadonlyMap<string, StoredToken>>(new Map());
    /** Access tokens a service answered 401 to: never handed out again, even if not expired. */
    const rejected = yield* Ref.make<ReadonlySet<string>>(new Set());
    // One renewal at a time in this process; other processes wait on the store's lock.
    const lock = yield* Effect.makeSemaphore(1);

    const usable = (entry: StoredToken) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis;
        const bad = yield* Ref.get(rejected);
        return now < renewTime(entry) && !bad.has(Redacted.value(entry.accessToken));
      });

    const remember = (entry: StoredToken) =>
      Ref.update(cache, (current) => new Map(current).set(entry.resourceServer, entry));

    const find = (entries: readonly StoredToken[], resourceServer: string) =>
      entries.find((entry) => isEntryFor(entry, environment, clientId, resourceServer));

    const notStored = (resourceServer: string) =>
      new LoginRequiredError({
        reason: `The stored login has no token for ${resourceServer}: ${loginAgain}`,
        resourceServer,
      });

    /** Under the store's lock: another process's fresh token, or a refresh written back. */
    const renew = (resourceServer: string) =>
      store.modify((entries) =>
        Effect.gen(function* () {
          const entry = find(entries, resourceServer);
          if (entry === undefined) return yield* notStored(resourceServer);
          // Another process renewed it while this one waited for the lock.
          if (yield* usable(entry)) return { result: entry };
          if (entry.refreshToken === undefined) {
            return yield* new LoginRequiredError({
              reason: `The stored token for ${resourceServer} has expired and came without a refresh token: ${loginAgain}`,
              resourceServer,
            });
          }
          const response = yield* auth.refresh({ clientId, refreshToken: entry.refreshToken }).pipe(
            Effect.catchTag("AuthenticationError", (error) =>
              Effect.fail(
                new LoginRequiredError({
                  reason: `Globus Auth no longer accepts the stored login (${error.error}; it was revoked, or unused for months): ${loginAgain}`,
                  resourceServer,
                }),
              ),
            ),
          );
          const now = yield* Clock.currentTimeMillis;
          const renewed = entriesOfResponse(response, {
            environment,
            clientId,
            requestedScope: undefined,
            now,
            previous: entries,
          });
          const mine = find(renewed, resourceServer);
          if (mine === undefined) {
            return yield* new LoginRequiredError({
              reason: `Globus Auth renewed the stored login without a token for ${resourceServer}: ${loginAgain}`,
              resourceServer,
            });
          }
          return { result: mine, entries: withEntries(entries, renewed) };
        }),
      );

    const accessTokenFor = Effect.fn("StoredAuthTokens.accessTokenFor")(function* (
      resourceServer: string,
    ) {
      return yield* lock.withPermits(1)(
        Effect.gen(function* () {
          const cached = (yield* Ref.get(cache)).get(resourceServer);
          if (cached !== undefined && (yield* usable(cached))) return cached.accessToken;
          // The file first: another process may have renewed it already, without any lock.
          const stored = find(yield* store.load, resourceServer);
          if (stored === undefined) return yield* notStored(resourceServer);
          const entry = (yield* usable(stored)) ? stored : yield* renew(resourceServer);
          yield* remember(entry);
          return entry.accessToken;
        }),
      );
    });

    const invalidate = (resourceServer: string, token?: Redacted.Redacted<string>) =>
      Effect.gen(function* () {
        const cached = (yield* Ref.get(cache)).get(resourceServer);
        const bad = token ?? cached?.accessToken;
        if (bad === undefined) return;
        yield* Ref.update(rejected, (set) => new Set(set).add(Redacted.value(bad)));
        yield* Ref.update(cache, (current) => {
          const next = new Map(current);
          next.delete(resourceServer);
          return next;
        });
      });

    const grantedScopes: Effect.Effect<readonly string[], AuthTokensError> = Effect.map(
      store.load,
      (entries) => {
        const scopes: string[] = [];
        for (const entry of entries) {
          if (!isEntryFor(entry, environment, clientId)) continue;
          if (entry.requestedScope !== "" && !scopes.includes(entry.requestedScope)) {
            scopes.push(entry.requestedScope);
          }
        }
        return scopes;
      },
    );

    const requestScope = (scope: string) =>
      Effect.fail(
        new LoginRequiredError({
          reason: `Consent to ${scope} is given in a login: run transflow consent <workflow>, or transflow login --scope '${scope}'`,
          resourceServer: undefined,
        }),
      );

    return {
      identity: "user",
      accessTokenFor,
      invalidate,
      grantedScopes,
      requestScope,
    } satisfies AuthTokensShape;
  });

/**
 * The stored login to use in the configured environment, if any: the native client named by
 * `TRANSFLOW_NATIVE_CLIENT_ID` or remembered in config.json when it has tokens, else the first
 * client with tokens.
 */
export const storedIdentity = (
  env: Env,
): Effect.Effect<StoredIdentity | undefined, TokenStoreError, GlobusConfig | TokenStore> =>
  Effect.gen(function* () {
    const config = yield* GlobusConfig;
    const store = yield* TokenStore;
    const environment = storeEnvironment(config);
    const entries = (yield* store.load).filter((entry) => entry.environment === environment);
    const first = entries[0];
    if (first === undefined) return undefined;
    const preferred =
      env.TRANSFLOW_NATIVE_CLIENT_ID?.trim() ||
      (yield* store.readConfig).nativeClientIds[environment];
    const clientId = entries.some((entry) => entry.clientId === preferred)
      ? (preferred as string)
      : first.clientId;
    return { environment, clientId };
  });

/**
 * `AuthTokens` for the identity `env` configures, in order: client credentials
 * (`TRANSFLOW_CLIENT_ID`/`SECRET`, globus-cli's `GLOBUS_CLI_CLIENT_ID`/`SECRET`), then
 * `TRANSFLOW_REFRESH_TOKEN`, then the token store's login; else no identity.
 */
export const identityTokensLayer = (
  env: Env,
): Layer.Layer<
  AuthTokens,
  CredentialsError | TokenStoreError,
  AuthApi | GlobusConfig | TokenStore
> =>
  Layer.effect(
    AuthTokens,
    Effect.gen(function* () {
      const source = yield* Either.match(credentialsFromEnv(env), {
        onLeft: Effect.fail,
        onRight: Effect.succeed,
      });
      if (source.kind !== "none") return yield* makeAuthTokens(source);
      const stored = yield* storedIdentity(env);
      return stored === undefined
        ? yield* makeAuthTokens(source)
        : yield* makeStoredAuthTokens(stored);
    }),
  );
