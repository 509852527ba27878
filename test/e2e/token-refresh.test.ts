/**
 * Token refresh over a 20-second session with 2-second access tokens: a client-credentials
 * identity (CI) and a stored login (`transflow login --no-local-server`) each run `plan` and
 * `collections show` back to back for 20 s, side by side, while the sandbox also revokes a few
 * access tokens mid-use (a 401 the client must refresh past). Every command succeeds, and the
 * sandbox's counters show the new tokens: client-credentials grants and refreshes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig } from "@transflow/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, hasStackTrace, runCli, startCli } from "./support/cli.ts";
import { http, type SandboxProcess, startSandboxProcess } from "./support/sandbox.ts";

const SESSION_MS = 20_000;
const AUTHORIZE_URL = /(http:\/\/\S+\/v2\/oauth2\/authorize\?\S+)/;

let sandbox: SandboxProcess;
let root: string;
let home: string;
let workflow: string;
let guest: string;

beforeAll(async () => {
  sandbox = await startSandboxProcess({
    config: { ...defaultConfig, accessTokenLifetimeSeconds: 2, autoApprove: true },
  });
  root = mkdtempSync(join(tmpdir(), "transflow-refresh-"));
  home = join(root, "home");
  guest = sandbox.collection("GCSv5_guest_collection").id;
  workflow = join(root, "refresh.yaml");
  writeFileSync(
    workflow,
    `version: 1
name: refresh
collections:
  src: { id: ${guest} }
  dst: { id: ${guest} }
steps:
  - id: copy
    transfer:
      source: src
      destination: dst
      items:
        - { source: /shared/welcome.txt, destination: /in/welcome.txt }
`,
  );
});
afterAll(async () => {
  await sandbox?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

const base = {
  TRANSFLOW_REFRESH_TOKEN: undefined,
  GLOBUS_CLI_CLIENT_ID: undefined,
  GLOBUS_CLI_CLIENT_SECRET: undefined,
  XDG_CONFIG_HOME: undefined,
  DISPLAY: undefined,
  WAYLAND_DISPLAY: undefined,
};

/** The client-credentials identity the sandbox prints (CI). */
const clientEnv = () => ({ ...base, ...sandbox.info.env, TRANSFLOW_HOME: join(root, "ci-home") });

/** The person's stored login in `home`: no client credentials. */
const userEnv = () => ({
  ...base,
  ...sandbox.info.env,
  TRANSFLOW_HOME: home,
  TRANSFLOW_CLIENT_ID: undefined,
  TRANSFLOW_CLIENT_SECRET: undefined,
});

const authStats = async () =>
  ((await http(`${sandbox.info.adminUrl}state`)).body as { auth: Record<string, number> }).auth;

interface Ran {
  readonly args: readonly string[];
  readonly result: CliResult;
  readonly at: number;
}

/** Runs the commands in turn, back to back, until `SESSION_MS` have passed since `start`. */
const session = async (
  start: number,
  env: Record<string, string | undefined>,
  commands: readonly (readonly string[])[],
): Promise<Ran[]> => {
  const ran: Ran[] = [];
  for (let i = 0; Date.now() - start < SESSION_MS; i++) {
    const args = commands[i % commands.length] ?? [];
    ran.push({ args, result: await runCli(args, { env }), at: Date.now() - start });
  }
  return ran;
};

const failures = (ran: readonly Ran[]) =>
  ran
    .filter(({ result }) => result.code !== 0 || hasStackTrace(result.stderr))
    .map(
      ({ args, result, at }) => `${at} ms: ${args.join(" ")} → ${result.code}\n${result.stderr}`,
    );

describe("2-second access tokens over a 20-second session", () => {
  it("client credentials and a stored login keep working, refreshing all along", async () => {
    // A person logs in, pasting the code (auto-approved: the test plays the browser).
    const login = startCli(["login", "--no-local-server"], { env: userEnv() });
    const [, url] = await login.waitForStderr(AUTHORIZE_URL);
    await login.waitForStderr(/paste the authorization code/);
    const approved = await http(url ?? "", { redirect: "manual" });
    const code = new URL(approved.headers.get("location") ?? "http://x/").searchParams.get("code");
    expect(code).toBeTruthy();
    login.write(`${code}\n`);
    const loggedIn = await login.done;
    expect(loggedIn.stderr).not.toMatch(/error/);
    expect(loggedIn.code).toBe(0);

    // A few access tokens stop being valid while in use: the next request answers 401.
    const fault = await http(`${sandbox.info.adminUrl}faults`, {
      json: {
        name: "expire-in-use",
        method: "GET",
        path: "/transfer/v0.10/endpoint/*",
        times: 3,
        action: { type: "expireToken" },
      },
    });
    expect(fault.status).toBe(201);

    const before = await authStats();
    const start = Date.now();
    const commands = [
      ["plan", workflow],
      ["collections", "show", guest],
    ];
    const [ci, person] = await Promise.all([
      session(start, clientEnv(), commands),
      session(start, userEnv(), commands),
    ]);
    const after = await authStats();

    // Every command of both identities succeeded, across many token lifetimes.
    expect(failures(ci)).toEqual([]);
    expect(failures(person)).toEqual([]);
    expect(ci.length).toBeGreaterThanOrEqual(6);
    expect(person.length).toBeGreaterThanOrEqual(6);
    expect(Math.max(...person.map((r) => r.at))).toBeGreaterThan(SESSION_MS * 0.75);
    for (const { args, result } of [...ci, ...person]) {
      if (args[0] === "plan") expect(result.stdout).toContain("looked up");
      else expect(result.stdout).toContain("Sandbox Guest Collection");
    }

    // New tokens all along: each CI process gets its own grant (and another after a 401), and the
    // stored login is refreshed whenever a command starts after its token's renew time.
    const delta = (name: string) => (after[name] ?? 0) - (before[name] ?? 0);
    expect(delta("tokensExpiredByFault")).toBe(3);
    expect(delta("clientCredentialsGrants")).toBeGreaterThanOrEqual(ci.length);
    expect(delta("refreshes")).toBeGreaterThan(1);
    expect(delta("refreshes")).toBeGreaterThanOrEqual(Math.floor(person.length / 3));
    expect(delta("authorizationCodeGrants")).toBe(0);

    // The refreshed tokens were stored, and no token value reached any output.
    const stored = JSON.parse(readFileSync(join(home, "tokens.json"), "utf8")) as {
      tokens: { accessToken: string; refreshToken?: string; expiresAt: number }[];
    };
    const values = stored.tokens.flatMap((t) => [t.accessToken, t.refreshToken ?? ""]);
    const outputs = [...ci, ...person, { result: loggedIn }].flatMap(({ result }) => [
      result.stdout,
      result.stderr,
    ]);
    expect(values.filter((v) => v !== "" && outputs.some((text) => text.includes(v)))).toEqual([]);
  });
});
