/**
 * `transflow login`, `consent`, `whoami` and `logout` as a person runs them: the built CLI as a
 * child process against a sandbox process with auto-approval, the test playing the browser. Every
 * output is kept and checked at the end for the token values the sandbox handed out.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type CliResult, hasStackTrace, runCli, startCli } from "./support/cli.ts";
import { basic, http, type SandboxProcess, startSandboxProcess } from "./support/sandbox.ts";

const TRANSFER_ALL = "urn:globus:auth:scope:transfer.api.globus.org:all";
const dataAccess = (id: string) => `https://auth.globus.org/scopes/${id}/data_access`;
const AUTHORIZE_URL = /(http:\/\/\S+\/v2\/oauth2\/authorize\?\S+)/;

let sandbox: SandboxProcess;
let native: string;
let mapped: string;
let guest: string;
let root: string;
/** This test's config folder (a fresh TRANSFLOW_HOME per test). */
let home: string;
/** Every stdout and stderr the CLI printed in this file. */
const outputs: string[] = [];
/** Every token value ever stored, read from the token files. */
const tokenValues = new Set<string>();

beforeAll(async () => {
  sandbox = await startSandboxProcess({ args: ["--auto-approve"] });
  const client = sandbox.info.clients.find((c) => c.type === "native");
  if (client === undefined) throw new Error("no native client in the sandbox");
  native = client.id;
  mapped = sandbox.collection("GCSv5_mapped_collection").id;
  guest = sandbox.collection("GCSv5_guest_collection").id;
  root = mkdtempSync(join(tmpdir(), "transflow-auth-"));
});
afterAll(async () => {
  await sandbox?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

let counter = 0;
beforeEach(() => {
  counter++;
  home = join(root, `home-${counter}`);
});

/** The environment of every run: the sandbox's URLs, this test's home, no other identity. */
const env = (extra: Record<string, string | undefined> = {}) => ({
  GLOBUS_SDK_SERVICE_URL_AUTH: sandbox.info.authUrl,
  GLOBUS_SDK_SERVICE_URL_TRANSFER: sandbox.info.transferUrl,
  TRANSFLOW_HOME: home,
  TRANSFLOW_CLIENT_ID: undefined,
  TRANSFLOW_CLIENT_SECRET: undefined,
  GLOBUS_CLI_CLIENT_ID: undefined,
  GLOBUS_CLI_CLIENT_SECRET: undefined,
  TRANSFLOW_REFRESH_TOKEN: undefined,
  TRANSFLOW_NATIVE_CLIENT_ID: undefined,
  XDG_CONFIG_HOME: undefined,
  // No browser is opened: the test is the browser.
  DISPLAY: undefined,
  WAYLAND_DISPLAY: undefined,
  ...extra,
});

const kept = (result: CliResult): CliResult => {
  outputs.push(result.stdout, result.stderr);
  expect(hasStackTrace(result.stderr)).toBe(false);
  return result;
};

const cli = async (args: string[], extra: Record<string, string | undefined> = {}) =>
  kept(await runCli(args, { env: env(extra) }));

const tokensFile = () => join(home, "tokens.json");

interface StoredJson {
  tokens: {
    resourceServer: string;
    accessToken: string;
    refreshToken?: string;
    expiresAt: number;
    issuedAt: number;
    requestedScope: string;
  }[];
}

/** The token file, remembering its values for the final leak check. */
const readTokens = (): StoredJson => {
  const json = JSON.parse(readFileSync(tokensFile(), "utf8")) as StoredJson;
  for (const token of json.tokens) {
    tokenValues.add(token.accessToken);
    if (token.refreshToken !== undefined) tokenValues.add(token.refreshToken);
  }
  return json;
};

/** `transflow <args>` through the local listener: the test follows the printed URL. */
const loginLocal = async (args: string[], extra: Record<string, string | undefined> = {}) => {
  const running = startCli(args, { env: env(extra) });
  const [, url] = await running.waitForStderr(AUTHORIZE_URL);
  // Auto-approved: the sandbox redirects to the CLI's listener on 127.0.0.1, which answers.
  const page = await fetch(url ?? "");
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("Logged in");
  return kept(await running.done);
};

const workflow = (name: string, source: string, destination: string): string => {
  const file = join(root, `${name}.yaml`);
  writeFileSync(
    file,
    `version: 1
name: ${name}
collections:
  src: { id: ${source} }
  dst: { id: ${destination} }
steps:
  - id: copy
    transfer:
      source: src
      destination: dst
      items:
        - { source: /data/run-001/a.txt, destination: /in/a.txt }
`,
  );
  return file;
};

const authStats = async (): Promise<Record<string, number>> =>
  ((await http(`${sandbox.info.adminUrl}state`)).body as { auth: Record<string, number> }).auth;

describe("transflow login", () => {
  it("logs in through the one-shot local listener and stores the tokens privately", async () => {
    const result = await loginLocal(["login", "--client-id", native]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`logged in with client ${native}`);
    expect(result.stdout).toContain("auth.globus.org");
    expect(result.stdout).toContain("transfer.api.globus.org");
    expect(result.stderr).toMatch(/redirect_uri=http%3A%2F%2F127\.0\.0\.1%3A\d+%2Fcallback/);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(statSync(tokensFile()).mode & 0o777).toBe(0o600);
    const stored = readTokens();
    expect(stored.tokens.map((t) => t.resourceServer).sort()).toEqual([
      "auth.globus.org",
      "transfer.api.globus.org",
    ]);
    expect(stored.tokens.every((t) => t.refreshToken !== undefined)).toBe(true);
    // --client-id is remembered: the next command needs no id.
    expect(readFileSync(join(home, "config.json"), "utf8")).toContain(native);

    const whoami = await cli(["whoami"]);
    expect(whoami.code).toBe(0);
    expect(whoami.stdout).toContain(`logged in as ${sandbox.info.identity.username}`);
    expect(whoami.stdout).toContain(sandbox.info.identity.id);
    expect(whoami.stdout).toContain(`openid profile email ${TRANSFER_ALL}`);
    const json = JSON.parse((await cli(["whoami", "--json"])).stdout);
    expect(json.kind).toBe("stored");
    expect(json.user.username).toBe(sandbox.info.identity.username);
  });

  it("logs in with a pasted code, and a later login keeps the earlier data_access consent", async () => {
    const scope = `${TRANSFER_ALL}[*${dataAccess(mapped)}]`;
    const running = startCli(["login", "--no-local-server", "--scope", scope], {
      env: env({ TRANSFLOW_NATIVE_CLIENT_ID: native }),
    });
    const [, url] = await running.waitForStderr(AUTHORIZE_URL);
    const authorize = new URL(url ?? "");
    expect(authorize.searchParams.get("redirect_uri")).toBe(
      `${sandbox.info.authUrl}v2/web/auth-code`,
    );
    await running.waitForStderr(/paste the authorization code/);
    const approved = await http(authorize.href, { redirect: "manual" });
    const code = new URL(approved.headers.get("location") ?? "http://x/").searchParams.get("code");
    expect(code).toBeTruthy();
    running.write(`${code}\n`);
    const result = kept(await running.done);
    expect(result.code).toBe(0);
    expect(readTokens().tokens.every((t) => t.requestedScope.includes(dataAccess(mapped)))).toBe(
      true,
    );

    // A new login without --scope still asks for (and stores) the data_access consent.
    const again = await loginLocal(["login"], { TRANSFLOW_NATIVE_CLIENT_ID: native });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(encodeURIComponent(dataAccess(mapped)));
    const whoami = await cli(["whoami"], { TRANSFLOW_NATIVE_CLIENT_ID: native });
    expect(whoami.stdout).toContain(`${TRANSFER_ALL}[*${dataAccess(mapped)}]`);
    readTokens();
  });

  it("explains how to register a native app when no client id is known (exit 2)", async () => {
    const result = await cli(["login"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("native app registered with Globus Auth");
    expect(result.stderr).toContain("--client-id");
    expect(result.stderr).toContain("TRANSFLOW_NATIVE_CLIENT_ID");
  });

  it("fails with exit 3 when no code is pasted", async () => {
    const running = startCli(["login", "--no-local-server", "--client-id", native], {
      env: env(),
    });
    await running.waitForStderr(/paste the authorization code/);
    running.endStdin();
    const result = kept(await running.done);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("no authorization code was entered");
    expect(existsSync(tokensFile())).toBe(false);
  });
});

describe("the stored login in other commands", () => {
  it("plan sees the stored consents; consent <workflow> grants what is missing", async () => {
    await loginLocal(["login", "--client-id", native]);
    const file = workflow("needs-data-access", mapped, guest);
    const before = await cli(["plan", file]);
    expect(before.stdout).toContain("run by a user");
    expect(before.stdout).toContain("missing");
    expect(before.stdout).toContain(`transflow consent ${file}`);
    expect(before.code).toBe(3);

    const consent = await loginLocal(["consent", file]);
    expect(consent.code).toBe(0);
    expect(consent.stderr).toContain(`${TRANSFER_ALL}[*${dataAccess(mapped)}]`);

    const after = await cli(["plan", file]);
    expect(after.code).toBe(0);
    expect(after.stdout).not.toContain("missing");
    readTokens();
  });

  it("four processes needing a refresh at once refresh once, and no write is lost", async () => {
    await loginLocal(["login", "--client-id", native]);
    // Age the stored tokens: every access token has expired.
    const stored = readTokens();
    const aged = {
      ...stored,
      tokens: stored.tokens.map((t) => ({ ...t, issuedAt: 0, expiresAt: 1000 })),
    };
    writeFileSync(tokensFile(), JSON.stringify(aged));
    expect(statSync(tokensFile()).mode & 0o777).toBe(0o600);
    const file = workflow("guest-to-guest", guest, guest);
    const before = (await authStats()).refreshes ?? 0;
    const results = await Promise.all(
      Array.from({ length: 4 }, () => runCli(["plan", file], { env: env() })),
    );
    for (const result of results) {
      kept(result);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("looked up");
    }
    expect((await authStats()).refreshes).toBe(before + 1);
    const after = readTokens();
    expect(after.tokens).toHaveLength(2);
    const transfer = after.tokens.find((t) => t.resourceServer === "transfer.api.globus.org");
    expect(transfer?.expiresAt).toBeGreaterThan(Date.now());
  });
});

describe("transflow logout", () => {
  it("revokes the tokens at Globus Auth and deletes them", async () => {
    await loginLocal(["login", "--client-id", native]);
    const stored = readTokens();
    const transfer = stored.tokens.find((t) => t.resourceServer === "transfer.api.globus.org");
    const endpoint = `${sandbox.info.transferUrl}v0.10/endpoint/${guest}`;
    const auth = { authorization: `Bearer ${transfer?.accessToken}` };
    expect((await http(endpoint, { headers: auth })).status).toBe(200);

    const result = await cli(["logout"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("logged out");
    expect(existsSync(tokensFile())).toBe(false);
    const { id, secret } = sandbox.confidential();
    for (const token of [transfer?.accessToken, transfer?.refreshToken]) {
      const introspect = await http(`${sandbox.info.authUrl}v2/oauth2/token/introspect`, {
        form: { token: token ?? "" },
        headers: { authorization: basic(id, secret) },
      });
      expect((introspect.body as { active: boolean }).active).toBe(false);
    }
    expect((await http(endpoint, { headers: auth })).status).toBe(401);

    const whoami = await cli(["whoami"]);
    expect(whoami.code).toBe(3);
    expect(whoami.stderr).toContain("transflow login");
    const again = await cli(["logout"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("not logged in");
  });
});

describe("the token file's safety", () => {
  it("refuses a token file others can read, saying how to fix it", async () => {
    await loginLocal(["login", "--client-id", native]);
    readTokens();
    chmodSync(tokensFile(), 0o644);
    const whoami = await cli(["whoami"]);
    expect(whoami.code).toBe(1);
    expect(whoami.stderr).toContain(`chmod 600 ${tokensFile()}`);
    const plan = await cli(["plan", workflow("refused", guest, guest)]);
    expect(plan.stderr).toContain(`chmod 600 ${tokensFile()}`);
    chmodSync(tokensFile(), 0o600);
    expect((await cli(["whoami"])).code).toBe(0);
  });

  it("refuses a symlinked token file", async () => {
    await loginLocal(["login", "--client-id", native]);
    readTokens();
    const elsewhere = join(root, `elsewhere-${counter}.json`);
    copyFileSync(tokensFile(), elsewhere);
    chmodSync(elsewhere, 0o600);
    unlinkSync(tokensFile());
    symlinkSync(elsewhere, tokensFile());
    const whoami = await cli(["whoami"]);
    expect(whoami.code).toBe(1);
    expect(whoami.stderr).toContain("symbolic link");
    const login = await cli(["login", "--no-local-server"]);
    expect(login.code).toBe(1);
    expect(login.stderr).toContain("symbolic link");
  });

  it("no token value appeared in any output of this file", () => {
    expect(tokenValues.size).toBeGreaterThan(8);
    const leaks = [...tokenValues].filter((value) => outputs.some((text) => text.includes(value)));
    expect(leaks).toEqual([]);
  });
});
