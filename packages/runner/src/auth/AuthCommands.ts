/**
 * The auth entry points the cli calls — login, a workflow's consent scope, logout (revoke at
 * Globus Auth, then forget) and whoami — each run with layers built from an environment record.
 * They resolve to a value or one of our tagged errors, never reject for what a user can fix, and
 * never return a token value.
 */
import { type Workflow, workflowScope } from "@transflow/core";
import { Effect, Either, Layer } from "effect";
import { AuthApi, type TokenRequestError } from "../globus/AuthApi.ts";
import { AuthTokens } from "../globus/AuthTokens.ts";
import { lookupCollections } from "../globus/CollectionLookup.ts";
import { type CredentialsError, credentialsFromEnv } from "../globus/Credentials.ts";
import { GlobusConfig, type GlobusConfigError } from "../globus/GlobusConfig.ts";
import {
  type ConsentRequiredError,
  type GlobusApiError,
  LoginRequiredError,
  noIdentityReason,
} from "../globus/GlobusErrors.ts";
import { GlobusHttp } from "../globus/GlobusHttp.ts";
import { globusLayerFromEnv } from "../globus/GlobusLayers.ts";
import {
  type InvalidScopeError,
  type LoginFailedError,
  type LoginResult,
  login,
  loginScope,
  type NativeClientMissingError,
  nativeClientId,
  rememberNativeClientId,
} from "./Login.ts";
import { makeStoredAuthTokens, storedIdentity } from "./StoredAuthTokens.ts";
import {
  isEntryFor,
  type StoredToken,
  storeEnvironment,
  TokenStore,
  type TokenStoreError,
} from "./TokenStore.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** Globus Auth's own resource server: userinfo needs its token. */
export const AUTH_RESOURCE_SERVER = "auth.globus.org";

/** Everything an auth command can fail with; the cli maps each `_tag` to an exit code. */
export type AuthCommandError =
  | LoginFailedError
  | NativeClientMissingError
  | InvalidScopeError
  | LoginRequiredError
  | TokenRequestError
  | GlobusApiError
  | ConsentRequiredError
  | TokenStoreError
  | GlobusConfigError
  | CredentialsError;

export type AuthOutcome<A> =
  | { readonly ok: true; readonly value: A }
  | { readonly ok: false; readonly error: AuthCommandError };

const run = <A>(effect: Effect.Effect<A, AuthCommandError>): Promise<AuthOutcome<A>> =>
  Effect.runPromise(
    effect.pipe(
      Effect.map((value): AuthOutcome<A> => ({ ok: true, value })),
      Effect.catchAll((error) => Effect.succeed<AuthOutcome<A>>({ ok: false, error })),
    ),
  );

/** Config, HTTP, Auth and the token store: what login and logout need (no identity yet). */
const authLayer = (env: Env) =>
  AuthApi.layer.pipe(
    Layer.provideMerge(GlobusHttp.layerFetch),
    Layer.provideMerge(GlobusConfig.layerFromEnv(env)),
    Layer.provideMerge(TokenStore.layerFromEnv(env)),
  );

/**
 * The environment variable whose identity comes before a stored login (so transflow will not act
 * as the person logging in while it is set), if any.
 */
export const identityVariableBeforeStore = (env: Env): string | undefined => {
  const source = credentialsFromEnv(env);
  if (Either.isLeft(source)) return source.left.present;
  switch (source.right.kind) {
    case "client":
      return source.right.clientIdVariable;
    case "refreshToken":
      return "TRANSFLOW_REFRESH_TOKEN";
    case "none":
      return undefined;
  }
};

export interface LoginInput {
  readonly env: Env;
  /** `--client-id`: used, and remembered after the login succeeds. */
  readonly clientId?: string | undefined;
  /** Scope strings to ask for beyond the base ones (`--scope`, or a workflow's scope). */
  readonly scopes?: readonly string[];
  /** A one-shot listener on 127.0.0.1 (default), or a pasted code. */
  readonly localServer: boolean;
  /** Shows the URL to open; `redirectUri` tells where the code goes. */
  readonly showUrl: (url: string, redirectUri: string) => void;
  /** Paste mode: the next line typed, undefined at the end of input. */
  readonly readLine?: () => Promise<string | undefined>;
}

/** Logs a person in and stores the tokens; the scope includes everything already consented to. */
export const runLogin = (input: LoginInput): Promise<AuthOutcome<LoginResult>> =>
  run(
    Effect.gen(function* () {
      const clientId = yield* nativeClientId({ flag: input.clientId, env: input.env });
      const environment = storeEnvironment(yield* GlobusConfig);
      const held = (yield* (yield* TokenStore).load)
        .filter((entry) => isEntryFor(entry, environment, clientId))
        .map((entry) => entry.requestedScope);
      const scope = yield* loginScope(input.scopes ?? [], held);
      const readLine = input.readLine;
      const result = yield* login({
        clientId,
        scope,
        mode: input.localServer
          ? { kind: "localServer" }
          : {
              kind: "paste",
              readLine:
                readLine === undefined ? Effect.succeed(undefined) : Effect.promise(readLine),
            },
        showUrl: (url, redirectUri) => Effect.sync(() => input.showUrl(url, redirectUri)),
      });
      if (input.clientId !== undefined) yield* rememberNativeClientId(clientId);
      return result;
    }).pipe(Effect.provide(authLayer(input.env))),
  );

export interface ConsentScope {
  /** The scope string a run of the workflow needs. */
  readonly scope: string;
  /** Whether the collections were looked up (else the workflow's declared facts were used). */
  readonly lookedUp: boolean;
  /** Why some or all lookups were not made, one sentence each. */
  readonly notes: readonly string[];
}

/**
 * The scope a run of `workflow` needs, from the collections looked up with the current identity
 * when there is one, else from what the workflow declares. Never fails: problems become notes.
 */
export const workflowConsentScope = (input: {
  readonly env: Env;
  readonly workflow: Workflow;
}): Promise<ConsentScope> => {
  const declared = (note: string): ConsentScope => ({
    scope: workflowScope(input.workflow, {}, "user"),
    lookedUp: false,
    notes: [note],
  });
  return Effect.runPromise(
    Effect.gen(function* () {
      const tokens = yield* AuthTokens;
      if (tokens.identity === "none") {
        return declared("not logged in yet, so the collections' kinds are the ones declared");
      }
      const ids = Object.values(input.workflow.collections).map((collection) => collection.id);
      const lookups = yield* lookupCollections(ids);
      const notes = lookups.failures.map(
        ({ id, error }) => `collection ${id} was not looked up (${error.message})`,
      );
      return {
        scope: workflowScope(input.workflow, lookups, "user"),
        lookedUp: notes.length < ids.length,
        notes,
      } satisfies ConsentScope;
    }).pipe(
      Effect.provide(globusLayerFromEnv(input.env)),
      Effect.catchAll((error) =>
        Effect.succeed(declared(`collections not looked up: ${error.message}`)),
      ),
    ),
  );
};

export interface LogoutResult {
  /** Resource servers whose tokens were revoked and forgotten. */
  readonly revoked: readonly string[];
  /** Resource servers whose revocation failed: their tokens are kept so logout can be retried. */
  readonly failed: readonly { readonly resourceServer: string; readonly message: string }[];
  readonly location: string;
}

/** Revokes the refresh token (which takes its access tokens along) and the access token. */
const revokeEntry = (entry: StoredToken) =>
  Effect.gen(function* () {
    const auth = yield* AuthApi;
    if (entry.refreshToken !== undefined) {
      yield* auth.revoke({ clientId: entry.clientId, token: entry.refreshToken });
    }
    yield* auth.revoke({ clientId: entry.clientId, token: entry.accessToken });
  });

/**
 * Revokes every token stored for the configured environment at Globus Auth, then deletes them
 * from the token file; tokens whose revocation failed stay, so a retry can revoke them.
 */
export const runLogout = (env: Env): Promise<AuthOutcome<LogoutResult>> =>
  run(
    Effect.gen(function* () {
      const store = yield* TokenStore;
      const environment = storeEnvironment(yield* GlobusConfig);
      const empty: LogoutResult = { revoked: [], failed: [], location: store.location };
      const stored = (yield* store.load).some((entry) => entry.environment === environment);
      if (!stored) return empty;
      return yield* store.modify((entries) =>
        Effect.gen(function* () {
          const mine = entries.filter((entry) => entry.environment === environment);
          const outcomes = yield* Effect.forEach(
            mine,
            (entry) =>
              Effect.map(Effect.either(revokeEntry(entry)), (outcome) => ({ entry, outcome })),
            { concurrency: 4 },
          );
          const revoked = new Set(
            outcomes.filter(({ outcome }) => Either.isRight(outcome)).map(({ entry }) => entry),
          );
          const failed = outcomes.flatMap(({ entry, outcome }) =>
            Either.isLeft(outcome)
              ? [{ resourceServer: entry.resourceServer, message: outcome.left.message }]
              : [],
          );
          return {
            result: {
              revoked: [...revoked].map((entry) => entry.resourceServer),
              failed,
              location: store.location,
            },
            entries: entries.filter((entry) => !revoked.has(entry)),
          };
        }),
      );
    }).pipe(Effect.provide(authLayer(env))),
  );

/** Who transflow acts as. No token values, only their expiry. */
export type WhoamiResult =
  | {
      readonly kind: "client";
      readonly clientId: string;
      /** The variable the client id came from. */
      readonly variable: string;
    }
  | { readonly kind: "refreshToken"; readonly clientId: string }
  | {
      readonly kind: "stored";
      readonly environment: string;
      readonly clientId: string;
      readonly location: string;
      /** From userinfo; undefined when the login holds no Auth token. */
      readonly user:
        | {
            readonly id: string;
            readonly username: string | undefined;
            readonly name: string | undefined;
            readonly email: string | undefined;
          }
        | undefined;
      /** The scope strings consented to at login (with their data_access trees). */
      readonly consents: readonly string[];
      readonly tokens: readonly {
        readonly resourceServer: string;
        /** Milliseconds since the epoch. */
        readonly expiresAt: number;
        readonly refreshable: boolean;
      }[];
    };

/** The identity the environment configures; for a stored login, userinfo and the consents held. */
export const runWhoami = (env: Env): Promise<AuthOutcome<WhoamiResult>> =>
  run(
    Effect.gen(function* () {
      const source = yield* Either.match(credentialsFromEnv(env), {
        onLeft: Effect.fail,
        onRight: Effect.succeed,
      });
      if (source.kind === "client") {
        return {
          kind: "client",
          clientId: source.clientId,
          variable: source.clientIdVariable,
        } satisfies WhoamiResult;
      }
      if (source.kind === "refreshToken") {
        return { kind: "refreshToken", clientId: source.clientId } satisfies WhoamiResult;
      }
      const identity = yield* storedIdentity(env);
      if (identity === undefined) {
        return yield* new LoginRequiredError({
          reason: noIdentityReason,
          resourceServer: undefined,
        });
      }
      const store = yield* TokenStore;
      const auth = yield* AuthApi;
      const tokens = yield* makeStoredAuthTokens(identity);
      const entries = (yield* store.load).filter((entry) =>
        isEntryFor(entry, identity.environment, identity.clientId),
      );
      const hasAuthToken = entries.some((entry) => entry.resourceServer === AUTH_RESOURCE_SERVER);
      const userinfo = Effect.gen(function* () {
        const token = yield* tokens.accessTokenFor(AUTH_RESOURCE_SERVER);
        return yield* auth.userinfo(token).pipe(
          // A 401: the token was revoked or expired early; renew once and ask again.
          Effect.catchIf(
            (error) => error._tag === "GlobusApiError" && error.status === 401,
            () =>
              Effect.zipRight(
                tokens.invalidate(AUTH_RESOURCE_SERVER, token),
                Effect.flatMap(tokens.accessTokenFor(AUTH_RESOURCE_SERVER), auth.userinfo),
              ),
          ),
        );
      });
      const info = hasAuthToken ? yield* userinfo : undefined;
      const after = (yield* store.load).filter((entry) =>
        isEntryFor(entry, identity.environment, identity.clientId),
      );
      return {
        kind: "stored",
        environment: identity.environment,
        clientId: identity.clientId,
        location: store.location,
        user:
          info === undefined
            ? undefined
            : {
                id: info.sub,
                username: info.preferred_username,
                name: info.name ?? undefined,
                email: info.email ?? undefined,
              },
        consents: [...new Set(after.map((entry) => entry.requestedScope))],
        tokens: after.map((entry) => ({
          resourceServer: entry.resourceServer,
          expiresAt: entry.expiresAt,
          refreshable: entry.refreshToken !== undefined,
        })),
      } satisfies WhoamiResult;
    }).pipe(Effect.provide(authLayer(env))),
  );
