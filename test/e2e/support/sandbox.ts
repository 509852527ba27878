/**
 * Starts `transflow sandbox` as a real child process on a free port with its own data folder,
 * and gives tests its info (URLs, clients, collections) plus small HTTP helpers.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binPath, repoRoot } from "./cli.ts";
import { readTokenLog, watchTokenLog } from "./leaks.ts";

export interface SandboxProcessInfo {
  authUrl: string;
  transferUrl: string;
  adminUrl: string;
  clients: { id: string; name: string; type: string; secret?: string }[];
  identity: { id: string; username: string };
  collections: {
    id: string;
    displayName: string;
    entityType: string;
    highAssurance: boolean;
    localRoot: string | null;
  }[];
  env: Record<string, string>;
}

export interface SandboxProcess {
  readonly info: SandboxProcessInfo;
  readonly dir: string;
  readonly child: ChildProcess;
  /** Output the sandbox printed so far. */
  output(): string;
  stop(): Promise<void>;
  collection(
    entityType: string,
    highAssurance?: boolean,
  ): SandboxProcessInfo["collections"][number];
  confidential(): { id: string; secret: string };
}

/** Starts the sandbox; `config` (an object) is written to a file and passed with --config. */
export const startSandboxProcess = async (
  options: { config?: Record<string, unknown>; args?: string[] } = {},
): Promise<SandboxProcess> => {
  const dir = mkdtempSync(join(tmpdir(), "transflow-sandbox-"));
  const infoFile = join(dir, "info.json");
  // --check-wire: every response is checked against the wire schemas; a mismatch is a 500.
  const args = [
    binPath,
    "sandbox",
    "--port",
    "0",
    "--data-dir",
    join(dir, "data"),
    "--info-file",
    infoFile,
    "--check-wire",
    // Every token it issues, for the suite's leak check (leaks.ts).
    "--token-log",
    join(dir, "tokens.log"),
  ];
  watchTokenLog(join(dir, "tokens.log"));
  if (options.config) {
    const file = join(dir, "sandbox.json");
    writeFileSync(file, JSON.stringify(options.config));
    args.push("--config", file);
  }
  args.push(...(options.args ?? []));
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.setEncoding("utf8").on("data", (c: string) => {
    output += c;
  });
  child.stderr?.setEncoding("utf8").on("data", (c: string) => {
    output += c;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const info = await new Promise<SandboxProcessInfo>((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      try {
        resolve(JSON.parse(readFileSync(infoFile, "utf8")) as SandboxProcessInfo);
      } catch {
        if (child.exitCode !== null || Date.now() - started > 30_000) {
          reject(new Error(`sandbox did not start:\n${output}`));
          return;
        }
        setTimeout(poll, 25);
      }
    };
    poll();
  });
  return {
    info,
    dir,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      readTokenLog(join(dir, "tokens.log"));
      rmSync(dir, { recursive: true, force: true });
    },
    collection: (entityType, highAssurance = false) => {
      const found = info.collections.find(
        (c) => c.entityType === entityType && c.highAssurance === highAssurance,
      );
      if (!found) throw new Error(`no ${entityType} collection in the sandbox`);
      return found;
    },
    confidential: () => {
      const client = info.clients.find((c) => c.type === "confidential");
      if (!client?.secret) throw new Error("no confidential client in the sandbox");
      return { id: client.id, secret: client.secret };
    },
  };
};

export interface HttpResult {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

/** One HTTP call returning status, headers and the parsed JSON body (if any). */
export const http = async (
  url: string,
  init: {
    method?: string;
    headers?: Record<string, string>;
    json?: unknown;
    form?: Record<string, string>;
    redirect?: "manual" | "follow";
  } = {},
): Promise<HttpResult> => {
  const headers: Record<string, string> = { accept: "application/json", ...init.headers };
  let body: string | undefined;
  if (init.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(init.json);
  } else if (init.form !== undefined) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(init.form).toString();
  }
  const response = await fetch(url, {
    method: init.method ?? (body === undefined ? "GET" : "POST"),
    headers,
    ...(body === undefined ? {} : { body }),
    redirect: init.redirect ?? "follow",
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
};

export const basic = (id: string, secret: string): string =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;

/** Waits until `check` returns a value, polling every `intervalMs` (bounded by `timeoutMs`). */
export const waitFor = async <T>(
  check: () => Promise<T | undefined>,
  { timeoutMs = 30_000, intervalMs = 50 } = {},
): Promise<T> => {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, intervalMs));
  }
};

/** A native app's authorization-code exchange (PKCE): the token endpoint's answer. */
export const exchangeCode = (
  authUrl: string,
  grant: { code: string; verifier: string; redirectUri: string; clientId: string },
): Promise<HttpResult> =>
  http(`${authUrl}v2/oauth2/token`, {
    form: {
      grant_type: "authorization_code",
      code: grant.code,
      code_verifier: grant.verifier,
      redirect_uri: grant.redirectUri,
      client_id: grant.clientId,
    },
  });

/**
 * A person's login with PKCE through the sandbox's native client, on a sandbox started with
 * `--auto-approve` (the consent page answers at once): the refresh token it grants for
 * `resourceServer`.
 */
export const loginUser = async (
  sandbox: SandboxProcess,
  scope: string,
  resourceServer = "transfer.api.globus.org",
): Promise<{ clientId: string; refreshToken: string }> => {
  const native = sandbox.info.clients.find((c) => c.type === "native");
  if (!native) throw new Error("no native client in the sandbox");
  const verifier = randomBytes(32).toString("base64url");
  const redirectUri = "http://127.0.0.1:1/callback";
  const query = new URLSearchParams({
    client_id: native.id,
    redirect_uri: redirectUri,
    scope,
    state: "e2e",
    response_type: "code",
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    access_type: "offline",
  });
  const approved = await http(`${sandbox.info.authUrl}v2/oauth2/authorize?${query}`, {
    redirect: "manual",
  });
  const code = new URL(approved.headers.get("location") ?? "http://x/").searchParams.get("code");
  if (approved.status !== 302 || code === null) {
    throw new Error(
      `the sandbox did not approve the login (is --auto-approve on?): ${approved.text}`,
    );
  }
  const tokens = await exchangeCode(sandbox.info.authUrl, {
    code,
    verifier,
    redirectUri,
    clientId: native.id,
  });
  const body = tokens.body as {
    resource_server: string;
    refresh_token?: string;
    other_tokens: { resource_server: string; refresh_token?: string }[];
  };
  const token = [body, ...body.other_tokens].find((t) => t.resource_server === resourceServer);
  if (token?.refresh_token === undefined) throw new Error(`no ${resourceServer} refresh token`);
  return { clientId: native.id, refreshToken: token.refresh_token };
};
