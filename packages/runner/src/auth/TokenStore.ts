/**
 * The user's stored Globus tokens: one JSON file (`tokens.json`) in transflow's config folder, one
 * entry per (environment, client id, resource server), plus `config.json` (the native client id).
 * Folder 0700, file 0600, replaced atomically under a cross-process lock; a file others could
 * read, or a symlink, is refused. Token values stay `Redacted` outside this module's file I/O.
 */
import { randomBytes } from "node:crypto";
import { lstat, mkdir, open, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import type { TokenResponse } from "@transflow/core/globus";
import { Context, Data, Effect, Either, Layer, Redacted, Ref } from "effect";
import { lock } from "proper-lockfile";
import { type GlobusConfigShape, resolveGlobusConfig } from "../globus/GlobusConfig.ts";

/** One resource server's tokens from a login. */
export interface StoredToken {
  /** `production`, another Globus environment, or the Auth base URL when it was overridden. */
  readonly environment: string;
  /** The native app the tokens were issued to. */
  readonly clientId: string;
  /** e.g. `transfer.api.globus.org`. */
  readonly resourceServer: string;
  readonly accessToken: Redacted.Redacted<string>;
  /** When the access token was issued and expires, in milliseconds since the epoch. */
  readonly issuedAt: number;
  readonly expiresAt: number;
  readonly refreshToken: Redacted.Redacted<string> | undefined;
  /** What Globus Auth says the token carries: top-level scope strings, space-separated. */
  readonly scope: string;
  /**
   * The whole scope string the login asked for and the user consented to, with dependent trees
   * (`transfer:all[*…/data_access]`): the token's own `scope` never shows those dependencies.
   */
  readonly requestedScope: string;
}

/** What `config.json` remembers. */
export interface TransflowConfig {
  /** The native client id per environment, as given to `transflow login --client-id`. */
  readonly nativeClientIds: Readonly<Record<string, string>>;
}

/** What a `modify` step decides: its result, and the entries to write (none: leave the file). */
export interface TokenUpdate<A> {
  readonly result: A;
  readonly entries?: readonly StoredToken[];
}

/** The token file or folder could be read by someone else, or is not what transflow made. */
export class TokenFileInsecureError extends Data.TaggedError("TokenFileInsecureError")<{
  readonly path: string;
  /** What is wrong, completing "it …". */
  readonly problem: string;
  /** The command or step that fixes it. */
  readonly fix: string;
}> {
  override get message(): string {
    return `Refusing to use ${this.path}: it ${this.problem}. Stored tokens act as you at Globus; ${this.fix}`;
  }
}

/** The token file could not be read, written or locked, or does not hold transflow tokens. */
export class TokenFileError extends Data.TaggedError("TokenFileError")<{
  readonly path: string;
  readonly action: "read" | "write" | "lock" | "decode";
  readonly detail: string;
}> {
  override get message(): string {
    const what =
      this.action === "decode"
        ? `is not a transflow token file (${this.detail}): move it away and run transflow login again`
        : `could not be ${this.action === "lock" ? "locked" : this.action === "read" ? "read" : "written"}: ${this.detail}`;
    return `${this.path} ${what}`;
  }
}

export type TokenStoreError = TokenFileInsecureError | TokenFileError;

export interface TokenStoreShape {
  /** Where the tokens live (a file path, or `(memory)`), for messages. */
  readonly location: string;
  /** Every stored entry, read without the lock (the file is only ever replaced whole). */
  readonly load: Effect.Effect<readonly StoredToken[], TokenStoreError>;
  /**
   * Runs `step` on the entries as they are now, holding the cross-process lock: the read, the
   * step (which may call Globus) and the write of `entries` happen with no other writer between.
   */
  readonly modify: <A, E, R>(
    step: (entries: readonly StoredToken[]) => Effect.Effect<TokenUpdate<A>, E, R>,
  ) => Effect.Effect<A, E | TokenStoreError, R>;
  readonly readConfig: Effect.Effect<TransflowConfig, TokenStoreError>;
  readonly updateConfig: (
    change: (config: TransflowConfig) => TransflowConfig,
  ) => Effect.Effect<void, TokenStoreError>;
}

type Env = Readonly<Record<string, string | undefined>>;

const setValue = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
};

/**
 * transflow's config folder: `$TRANSFLOW_HOME`, else `$XDG_CONFIG_HOME/transflow`, else
 * `~/.config/transflow`.
 */
export const configDirectory = (env: Env): string => {
  const home = setValue(env, "TRANSFLOW_HOME");
  if (home !== undefined) return home;
  const xdg = setValue(env, "XDG_CONFIG_HOME");
  return join(xdg ?? join(setValue(env, "HOME") ?? homedir(), ".config"), "transflow");
};

export const TOKENS_FILE = "tokens.json";
export const CONFIG_FILE = "config.json";

/**
 * The name tokens are filed under: the Globus environment, or the Auth base URL when
 * `GLOBUS_SDK_SERVICE_URL_AUTH` points elsewhere (a sandbox's tokens never mix with Globus's).
 */
export const storeEnvironment = (config: GlobusConfigShape): string => {
  const standard = resolveGlobusConfig({ GLOBUS_SDK_ENVIRONMENT: config.environment });
  return Either.isRight(standard) && standard.right.baseUrls.auth === config.baseUrls.auth
    ? config.environment
    : config.baseUrls.auth;
};

const FORMAT = "transflow-tokens/1";

/** The file's JSON: token values in clear, which is why it is 0600. */
interface TokenFileJson {
  readonly format: string;
  readonly tokens: readonly {
    readonly environment: string;
    readonly clientId: string;
    readonly resourceServer: string;
    readonly accessToken: string;
    readonly issuedAt: number;
    readonly expiresAt: number;
    readonly refreshToken?: string;
    readonly scope: string;
    readonly requestedScope: string;
  }[];
}

const encodeTokens = (entries: readonly StoredToken[]): string => {
  const json: TokenFileJson = {
    format: FORMAT,
    tokens: entries.map((entry) => ({
      environment: entry.environment,
      clientId: entry.clientId,
      resourceServer: entry.resourceServer,
      accessToken: Redacted.value(entry.accessToken),
      issuedAt: entry.issuedAt,
      expiresAt: entry.expiresAt,
      ...(entry.refreshToken === undefined
        ? {}
        : { refreshToken: Redacted.value(entry.refreshToken) }),
      scope: entry.scope,
      requestedScope: entry.requestedScope,
    })),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The entries of a token file's text, or why they cannot be read (never quoting a value). */
const decodeTokens = (text: string): Either.Either<StoredToken[], string> => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return Either.left("not JSON");
  }
  if (!isRecord(json) || json.format !== FORMAT || !Array.isArray(json.tokens)) {
    return Either.left(`expected {"format": "${FORMAT}", "tokens": [...]}`);
  }
  const entries: StoredToken[] = [];
  for (const [index, item] of json.tokens.entries()) {
    const strings = ["environment", "clientId", "resourceServer", "accessToken", "scope"] as const;
    const ok =
      isRecord(item) &&
      strings.every((key) => typeof item[key] === "string") &&
      typeof item.issuedAt === "number" &&
      typeof item.expiresAt === "number" &&
      (item.refreshToken === undefined || typeof item.refreshToken === "string") &&
      (item.requestedScope === undefined || typeof item.requestedScope === "string");
    if (!ok) return Either.left(`tokens[${index}] is incomplete`);
    const scope = String(item.scope);
    entries.push({
      environment: String(item.environment),
      clientId: String(item.clientId),
      resourceServer: String(item.resourceServer),
      accessToken: Redacted.make(String(item.accessToken)),
      issuedAt: Number(item.issuedAt),
      expiresAt: Number(item.expiresAt),
      refreshToken:
        typeof item.refreshToken === "string" ? Redacted.make(item.refreshToken) : undefined,
      scope,
      requestedScope: typeof item.requestedScope === "string" ? item.requestedScope : scope,
    });
  }
  return Either.right(entries);
};

const decodeConfig = (text: string): TransflowConfig => {
  try {
    const json: unknown = JSON.parse(text);
    const ids = isRecord(json) && isRecord(json.nativeClientIds) ? json.nativeClientIds : {};
    const nativeClientIds: Record<string, string> = {};
    for (const [environment, id] of Object.entries(ids)) {
      if (typeof id === "string") nativeClientIds[environment] = id;
    }
    return { nativeClientIds };
  } catch {
    // config.json holds no secret and only a convenience: an unreadable one is as good as none.
    return { nativeClientIds: {} };
  }
};

const errorText = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

const isMissing = (error: unknown): boolean =>
  (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";

/** POSIX modes mean nothing on Windows; ownership is only checked where there are uids. */
const checksModes = process.platform !== "win32";
const ownUid = (): number | undefined => process.getuid?.();

const octal = (mode: number): string => `0${(mode & 0o777).toString(8)}`;

/** Refuses a folder that others may enter or that is not the user's. */
const checkFolder = async (dir: string): Promise<void> => {
  const info = await stat(dir);
  if (!info.isDirectory()) {
    throw new TokenFileInsecureError({
      path: dir,
      problem: "is not a folder",
      fix: "point TRANSFLOW_HOME at a folder, or remove what is there",
    });
  }
  if (!checksModes) return;
  const uid = ownUid();
  if (uid !== undefined && info.uid !== uid) {
    throw new TokenFileInsecureError({
      path: dir,
      problem: `belongs to another user (uid ${info.uid})`,
      fix: "set TRANSFLOW_HOME to a folder of your own",
    });
  }
  if ((info.mode & 0o077) !== 0) {
    throw new TokenFileInsecureError({
      path: dir,
      problem: `is open to other users (mode ${octal(info.mode)})`,
      fix: `run: chmod 700 ${dir}`,
    });
  }
};

/** Refuses a token file that is a symlink, not a plain file, not the user's, or not 0600. */
const checkFile = async (file: string): Promise<void> => {
  const info = await lstat(file);
  if (info.isSymbolicLink()) {
    throw new TokenFileInsecureError({
      path: file,
      problem: "is a symbolic link, and transflow keeps tokens only in a file of its own",
      fix: `remove the link (rm ${file}) and run transflow login again`,
    });
  }
  if (!info.isFile()) {
    throw new TokenFileInsecureError({
      path: file,
      problem: "is not a regular file",
      fix: `remove it and run transflow login again`,
    });
  }
  if (!checksModes) return;
  const uid = ownUid();
  if (uid !== undefined && info.uid !== uid) {
    throw new TokenFileInsecureError({
      path: file,
      problem: `belongs to another user (uid ${info.uid})`,
      fix: `remove it (rm ${file}) and run transflow login again`,
    });
  }
  if ((info.mode & 0o077) !== 0) {
    throw new TokenFileInsecureError({
      path: file,
      problem: `is readable or writable by other users (mode ${octal(info.mode)})`,
      fix: `run: chmod 600 ${file}`,
    });
  }
};

/** The folder, made 0700 when missing (its parents get the usual mode), then checked. */
const ensureFolder = async (dir: string): Promise<void> => {
  await mkdir(dirname(dir), { recursive: true });
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  await checkFolder(dir);
};

/**
 * Replaces `path` with `text` so a reader sees the old file or the new one, never a mix: a temp
 * file in the same folder (0600 from its creation), fsync, rename, then fsync of the folder.
 */
const writeAtomically = async (path: string, text: string): Promise<void> => {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", 0o600);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  // Make the rename itself durable; some file systems cannot fsync a folder, which is fine.
  const folder = await open(dirname(path), "r").catch(() => undefined);
  await folder?.sync().catch(() => undefined);
  await folder?.close();
};

/** Lock retries: about a minute in all, since the holder may be waiting on Globus Auth. */
const LOCK_OPTIONS = {
  realpath: false,
  stale: 20_000,
  update: 5_000,
  retries: { retries: 150, factor: 1.3, minTimeout: 20, maxTimeout: 500 },
} as const;

/** `promise`'s failure as our error: ours pass through, anything else becomes `TokenFileError`. */
const attempt = <A>(
  path: string,
  action: TokenFileError["action"],
  run: () => Promise<A>,
): Effect.Effect<A, TokenStoreError> =>
  Effect.tryPromise({
    try: run,
    catch: (error) =>
      error instanceof TokenFileInsecureError || error instanceof TokenFileError
        ? error
        : new TokenFileError({ path, action, detail: errorText(error) }),
  });

const makeFileStore = (dir: string): Effect.Effect<TokenStoreShape> =>
  Effect.gen(function* () {
    const tokensFile = join(dir, TOKENS_FILE);
    const configFile = join(dir, CONFIG_FILE);
    // Fibers of this process queue here; other processes queue on the lock folder.
    const local = yield* Effect.makeSemaphore(1);

    const readTokens = async (): Promise<StoredToken[]> => {
      try {
        await checkFolder(dir);
      } catch (error) {
        if (isMissing(error)) return [];
        throw error;
      }
      try {
        await checkFile(tokensFile);
      } catch (error) {
        if (isMissing(error)) return [];
        throw error;
      }
      const decoded = decodeTokens(await readFile(tokensFile, "utf8"));
      if (Either.isLeft(decoded)) {
        throw new TokenFileError({ path: tokensFile, action: "decode", detail: decoded.left });
      }
      return decoded.right;
    };

    const load = attempt(tokensFile, "read", readTokens);

    const acquire = attempt(tokensFile, "lock", async () => {
      await ensureFolder(dir);
      let compromised: Error | undefined;
      const release = await lock(tokensFile, {
        ...LOCK_OPTIONS,
        lockfilePath: `${tokensFile}.lock`,
        // The default throws from a timer, which would crash the process.
        onCompromised: (error) => {
          compromised = error;
        },
      });
      return { release, compromised: () => compromised };
    });

    const modify = <A, E, R>(
      step: (entries: readonly StoredToken[]) => Effect.Effect<TokenUpdate<A>, E, R>,
    ): Effect.Effect<A, E | TokenStoreError, R> =>
      local.withPermits(1)(
        Effect.acquireUseRelease(
          acquire,
          (held) =>
            Effect.gen(function* () {
              const entries = yield* load;
              const update = yield* step(entries);
              const next = update.entries;
              if (next !== undefined) {
                const lost = held.compromised();
                if (lost !== undefined) {
                  return yield* new TokenFileError({
                    path: tokensFile,
                    action: "lock",
                    detail: `the lock was lost while working (${lost.message}); nothing was written`,
                  });
                }
                yield* attempt(tokensFile, "write", () =>
                  next.length === 0
                    ? unlink(tokensFile).catch((error: unknown) => {
                        if (!isMissing(error)) throw error;
                      })
                    : writeAtomically(tokensFile, encodeTokens(next)),
                );
              }
              return update.result;
            }),
          (held) => Effect.promise(() => held.release().catch(() => undefined)),
        ),
      );

    const readConfig = attempt(configFile, "read", async () => {
      try {
        return decodeConfig(await readFile(configFile, "utf8"));
      } catch (error) {
        if (isMissing(error)) return { nativeClientIds: {} };
        throw error;
      }
    });

    const updateConfig = (change: (config: TransflowConfig) => TransflowConfig) =>
      Effect.flatMap(readConfig, (config) =>
        attempt(configFile, "write", async () => {
          await ensureFolder(dir);
          await writeAtomically(configFile, `${JSON.stringify(change(config), null, 2)}\n`);
        }),
      );

    return { location: tokensFile, load, modify, readConfig, updateConfig };
  });

/** Entries kept in memory, for tests: same `modify` contract, no files. */
const makeMemoryStore = (
  initial: readonly StoredToken[],
  config: TransflowConfig,
): Effect.Effect<TokenStoreShape> =>
  Effect.gen(function* () {
    const entries = yield* Ref.make<readonly StoredToken[]>(initial);
    const settings = yield* Ref.make(config);
    const local = yield* Effect.makeSemaphore(1);
    const modify = <A, E, R>(
      step: (current: readonly StoredToken[]) => Effect.Effect<TokenUpdate<A>, E, R>,
    ) =>
      local.withPermits(1)(
        Effect.gen(function* () {
          const update = yield* step(yield* Ref.get(entries));
          if (update.entries !== undefined) yield* Ref.set(entries, update.entries);
          return update.result;
        }),
      );
    return {
      location: "(memory)",
      load: Ref.get(entries),
      modify,
      readConfig: Ref.get(settings),
      updateConfig: (change) => Ref.update(settings, change),
    } satisfies TokenStoreShape;
  });

/** The user's stored tokens. */
export class TokenStore extends Context.Tag("transflow/TokenStore")<TokenStore, TokenStoreShape>() {
  /** The files in `folder`. */
  static readonly layerAt = (folder: string): Layer.Layer<TokenStore> =>
    Layer.effect(TokenStore, makeFileStore(folder));

  /** The files in the config folder an environment record names (see `configDirectory`). */
  static readonly layerFromEnv = (env: Env): Layer.Layer<TokenStore> =>
    TokenStore.layerAt(configDirectory(env));

  /** In memory, for tests. */
  static readonly layerMemory = (
    initial: readonly StoredToken[] = [],
    config: TransflowConfig = { nativeClientIds: {} },
  ): Layer.Layer<TokenStore> => Layer.effect(TokenStore, makeMemoryStore(initial, config));
}

/** Whether `entry` is the one stored for (environment, client, resource server). */
export const isEntryFor = (
  entry: StoredToken,
  environment: string,
  clientId: string,
  resourceServer?: string,
): boolean =>
  entry.environment === environment &&
  entry.clientId === clientId &&
  (resourceServer === undefined || entry.resourceServer === resourceServer);

/** `entries` with each of `added` replacing the entry of its (environment, client, server). */
export const withEntries = (
  entries: readonly StoredToken[],
  added: readonly StoredToken[],
): StoredToken[] => [
  ...entries.filter(
    (entry) => !added.some((a) => isEntryFor(entry, a.environment, a.clientId, a.resourceServer)),
  ),
  ...added,
];

/**
 * The entries a token response makes: one per resource server (the top token and `other_tokens`),
 * each keeping the refresh token and requested scope of the entry it replaces when the response
 * has none (a refresh grant may not repeat the refresh token).
 */
export const entriesOfResponse = (
  response: TokenResponse,
  options: {
    readonly environment: string;
    readonly clientId: string;
    /** The scope string asked for; for a refresh, each replaced entry's is kept instead. */
    readonly requestedScope: string | undefined;
    /** Milliseconds since the epoch, by Effect's Clock. */
    readonly now: number;
    readonly previous: readonly StoredToken[];
  },
): StoredToken[] =>
  [response, ...response.other_tokens].map((token) => {
    const before = options.previous.find((entry) =>
      isEntryFor(entry, options.environment, options.clientId, token.resource_server),
    );
    return {
      environment: options.environment,
      clientId: options.clientId,
      resourceServer: token.resource_server,
      accessToken: Redacted.make(token.access_token),
      issuedAt: options.now,
      expiresAt: options.now + token.expires_in * 1000,
      refreshToken:
        token.refresh_token === undefined
          ? before?.refreshToken
          : Redacted.make(token.refresh_token),
      scope: token.scope,
      requestedScope: options.requestedScope ?? before?.requestedScope ?? token.scope,
    };
  });
