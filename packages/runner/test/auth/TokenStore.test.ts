import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest";
import { Effect, Either, Exit, Redacted } from "effect";
import {
  configDirectory,
  type StoredToken,
  storeEnvironment,
  TokenStore,
  withEntries,
} from "../../src/auth/TokenStore.ts";
import { resolveGlobusConfig } from "../../src/globus/GlobusConfig.ts";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "transflow-store-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const entry = (resourceServer: string, overrides: Partial<StoredToken> = {}): StoredToken => ({
  environment: "production",
  clientId: "5ad1c3f0-6e4b-4c1a-9a36-7f0d2b1e8c02",
  resourceServer,
  accessToken: Redacted.make(`access-${resourceServer}`),
  issuedAt: 0,
  expiresAt: 172_800_000,
  refreshToken: Redacted.make(`refresh-${resourceServer}`),
  scope: "urn:globus:auth:scope:transfer.api.globus.org:all",
  requestedScope:
    "openid urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/c0ffee00-0000-4000-8000-000000000002/data_access]",
  ...overrides,
});

const mode = (path: string) => statSync(path).mode & 0o777;

const withStore = <A, E>(folder: string, use: (store: TokenStore["Type"]) => Effect.Effect<A, E>) =>
  Effect.flatMap(TokenStore, use).pipe(Effect.provide(TokenStore.layerAt(folder)));

const put =
  (...entries: StoredToken[]) =>
  (store: TokenStore["Type"]) =>
    store.modify((current) =>
      Effect.succeed({ result: undefined, entries: withEntries(current, entries) }),
    );

describe("TokenStore on files", () => {
  it.effect("creates the folder 0700 and the file 0600, and reads back what it wrote", () =>
    Effect.gen(function* () {
      const folder = join(root, "nested", "transflow");
      yield* withStore(folder, put(entry("transfer.api.globus.org"), entry("auth.globus.org")));
      expect(mode(folder)).toBe(0o700);
      expect(mode(join(folder, "tokens.json"))).toBe(0o600);
      // Only the file and nothing left over (no temp file, no lock folder).
      expect(readdirSync(folder)).toEqual(["tokens.json"]);
      const loaded = yield* withStore(folder, (store) => store.load);
      expect(loaded.map((e) => e.resourceServer)).toEqual([
        "transfer.api.globus.org",
        "auth.globus.org",
      ]);
      expect(Redacted.value(loaded[0]?.accessToken ?? Redacted.make(""))).toBe(
        "access-transfer.api.globus.org",
      );
      expect(loaded[0]?.requestedScope).toContain("data_access");
      const text = yield* Effect.promise(() => readFile(join(folder, "tokens.json"), "utf8"));
      expect(JSON.parse(text).format).toBe("transflow-tokens/1");
    }),
  );

  it.effect("replaces the entry of the same environment, client and resource server", () =>
    Effect.gen(function* () {
      yield* withStore(root, put(entry("transfer.api.globus.org")));
      yield* withStore(
        root,
        put(entry("transfer.api.globus.org", { accessToken: Redacted.make("newer") })),
      );
      const loaded = yield* withStore(root, (store) => store.load);
      expect(loaded).toHaveLength(1);
      expect(Redacted.value(loaded[0]?.accessToken ?? Redacted.make(""))).toBe("newer");
    }),
  );

  it.effect("an empty folder or a missing file holds no tokens", () =>
    Effect.gen(function* () {
      expect(yield* withStore(join(root, "absent"), (store) => store.load)).toEqual([]);
    }),
  );

  it.effect("refuses a token file others can read, saying how to fix it", () =>
    Effect.gen(function* () {
      chmodSync(root, 0o700);
      yield* withStore(root, put(entry("transfer.api.globus.org")));
      const file = join(root, "tokens.json");
      chmodSync(file, 0o644);
      const exit = yield* Effect.exit(withStore(root, (store) => store.load));
      expect(Exit.isFailure(exit)).toBe(true);
      const error = yield* Effect.flip(withStore(root, (store) => store.load));
      expect(error._tag).toBe("TokenFileInsecureError");
      expect(error.message).toContain(`chmod 600 ${file}`);
      expect(error.message).toContain("0644");
      // Writing is refused too, and the file is left as it was.
      const write = yield* Effect.flip(withStore(root, put(entry("auth.globus.org"))));
      expect(write._tag).toBe("TokenFileInsecureError");
      expect(mode(file)).toBe(0o644);
    }),
  );

  it.effect("refuses a folder open to others", () =>
    Effect.gen(function* () {
      const folder = join(root, "open");
      mkdirSync(folder, { mode: 0o755 });
      chmodSync(folder, 0o755);
      writeFileSync(join(folder, "tokens.json"), "{}", { mode: 0o600 });
      const error = yield* Effect.flip(withStore(folder, (store) => store.load));
      expect(error._tag).toBe("TokenFileInsecureError");
      expect(error.message).toContain(`chmod 700 ${folder}`);
    }),
  );

  it.effect("refuses a symlinked token file, even to a private file", () =>
    Effect.gen(function* () {
      const folder = join(root, "home");
      mkdirSync(folder, { mode: 0o700 });
      const elsewhere = join(root, "elsewhere.json");
      writeFileSync(elsewhere, "{}", { mode: 0o600 });
      symlinkSync(elsewhere, join(folder, "tokens.json"));
      const error = yield* Effect.flip(withStore(folder, (store) => store.load));
      expect(error._tag).toBe("TokenFileInsecureError");
      expect(error.message).toContain("symbolic link");
      const write = yield* Effect.flip(withStore(folder, put(entry("auth.globus.org"))));
      expect(write._tag).toBe("TokenFileInsecureError");
    }),
  );

  it.effect("says a file that is not a token file is not one, without quoting it", () =>
    Effect.gen(function* () {
      mkdirSync(join(root, "bad"), { mode: 0o700 });
      writeFileSync(join(root, "bad", "tokens.json"), '{"secret-looking": "abc"}', { mode: 0o600 });
      const error = yield* Effect.flip(withStore(join(root, "bad"), (store) => store.load));
      expect(error._tag).toBe("TokenFileError");
      expect(error.message).toContain("is not a transflow token file");
      expect(error.message).not.toContain("abc");
    }),
  );

  it.live(
    "loses no write when many writers, in separate store instances, add entries at once",
    () =>
      Effect.gen(function* () {
        const writers = Array.from({ length: 12 }, (_, i) =>
          // Each writer has its own layer, as separate processes would: only the file lock orders them.
          withStore(root, put(entry(`server-${i}.example.org`))),
        );
        yield* Effect.all(writers, { concurrency: "unbounded" });
        const loaded = yield* withStore(root, (store) => store.load);
        expect(loaded.map((e) => e.resourceServer).sort()).toEqual(
          Array.from({ length: 12 }, (_, i) => `server-${i}.example.org`).sort(),
        );
        expect(readdirSync(root)).toEqual(["tokens.json"]);
      }),
  );

  it.effect("a failing step writes nothing and releases the lock", () =>
    Effect.gen(function* () {
      yield* withStore(root, put(entry("transfer.api.globus.org")));
      const failed = yield* Effect.flip(
        withStore(root, (store) => store.modify(() => Effect.fail("no" as const))),
      );
      expect(failed).toBe("no");
      yield* withStore(root, put(entry("auth.globus.org")));
      expect((yield* withStore(root, (store) => store.load)).length).toBe(2);
    }),
  );

  it.effect("remembers the native client id per environment in config.json", () =>
    Effect.gen(function* () {
      yield* withStore(root, (store) =>
        store.updateConfig((c) => ({ ...c, nativeClientIds: { production: "abc" } })),
      );
      const config = yield* withStore(root, (store) => store.readConfig);
      expect(config.nativeClientIds).toEqual({ production: "abc" });
      expect(mode(join(root, "config.json"))).toBe(0o600);
    }),
  );

  it.effect("deletes the file when the last entry goes", () =>
    Effect.gen(function* () {
      yield* withStore(root, put(entry("transfer.api.globus.org")));
      yield* withStore(root, (store) =>
        store.modify(() => Effect.succeed({ result: undefined, entries: [] })),
      );
      expect(readdirSync(root)).toEqual([]);
    }),
  );
});

describe("where tokens live", () => {
  it("TRANSFLOW_HOME, else XDG_CONFIG_HOME/transflow, else ~/.config/transflow", () => {
    expect(configDirectory({ TRANSFLOW_HOME: "/a", XDG_CONFIG_HOME: "/b", HOME: "/c" })).toBe("/a");
    expect(configDirectory({ XDG_CONFIG_HOME: "/b", HOME: "/c" })).toBe("/b/transflow");
    expect(configDirectory({ HOME: "/c" })).toBe("/c/.config/transflow");
    expect(configDirectory({ TRANSFLOW_HOME: " ", HOME: "/c" })).toBe("/c/.config/transflow");
  });

  it("files tokens under the environment, or the Auth URL when it is overridden", () => {
    const config = (env: Record<string, string>) => Either.getOrThrow(resolveGlobusConfig(env));
    expect(storeEnvironment(config({}))).toBe("production");
    expect(storeEnvironment(config({ GLOBUS_SDK_ENVIRONMENT: "preview" }))).toBe("preview");
    expect(
      storeEnvironment(config({ GLOBUS_SDK_SERVICE_URL_AUTH: "http://127.0.0.1:8700/auth" })),
    ).toBe("http://127.0.0.1:8700/auth/");
  });
});

describe("TokenStore.layerMemory", () => {
  it.effect("keeps entries and config in memory", () =>
    Effect.gen(function* () {
      const store = yield* TokenStore;
      yield* put(entry("transfer.api.globus.org"))(store);
      expect((yield* store.load).length).toBe(1);
      expect(store.location).toBe("(memory)");
    }).pipe(Effect.provide(TokenStore.layerMemory())),
  );
});
