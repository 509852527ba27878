/**
 * `transflow plan` as users run it: the built CLI as a child process, offline and against a
 * sandbox process that it looks the collections up in (with a person's refresh token, or a
 * client identity's credentials).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PLAN_FORMAT, parsePlanJson, planJson } from "@transflow/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasStackTrace, runCli } from "./support/cli.ts";
import { http, loginUser, type SandboxProcess, startSandboxProcess } from "./support/sandbox.ts";

const TRANSFER_ALL = "urn:globus:auth:scope:transfer.api.globus.org:all";
const dataAccess = (id: string) => `https://auth.globus.org/scopes/${id}/data_access`;
const HYDRA = "2d1d4873-a849-4b9c-bd34-2034a2163003";
const LEUVEN = "872a58ab-02b9-4233-a3e0-f017ed8ab090";

/** No credentials from the machine running the tests leak into a run. */
const NO_CREDENTIALS = {
  TRANSFLOW_CLIENT_ID: undefined,
  TRANSFLOW_CLIENT_SECRET: undefined,
  GLOBUS_CLI_CLIENT_ID: undefined,
  GLOBUS_CLI_CLIENT_SECRET: undefined,
  TRANSFLOW_REFRESH_TOKEN: undefined,
  TRANSFLOW_NATIVE_CLIENT_ID: undefined,
  SOURCE_DATE_EPOCH: "1795000000",
};

let dir: string;
const write = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "transflow-plan-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const offlineWorkflow = (extra = "", items = "- { source: /data/a.txt, destination: /in/a.txt }") =>
  `version: 1
name: offline
inputs:
  base: { type: string, default: /data }
collections:
  hydra: { id: ${HYDRA}, kind: mapped, highAssurance: false }
  leuven: { id: ${LEUVEN}, kind: guest }
steps:
  - id: copy
    transfer:
      source: hydra
      destination: leuven
${extra}      items:
        ${items}
`;

describe("transflow plan --offline", () => {
  it("plans every example in workflows/", async () => {
    const files = readdirSync("workflows").filter((f) => /\.(ya?ml|json|ts)$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const f of files) {
      const result = await runCli(["plan", `workflows/${f}`, "--offline"], { env: NO_CREDENTIALS });
      expect(result.stderr, f).toBe("");
      expect(result.code, f).toBe(0);
      expect(result.stdout).toContain("Consents");
      expect(result.stdout).toContain("not checked");
    }
  });

  it("writes a plan file that reads back as the same plan, byte for byte", async () => {
    const file = write("rt.yaml", offlineWorkflow());
    const out = join(dir, "rt.plan.json");
    const result = await runCli(["plan", file, "--offline", "-o", out], { env: NO_CREDENTIALS });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`wrote ${out}`);
    const text = readFileSync(out, "utf8");
    const parsed = parsePlanJson(text);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
    expect(parsed.plan.format).toBe(PLAN_FORMAT);
    expect(parsed.plan.createdAt).toBe("2026-11-18T11:06:40.000Z");
    expect(planJson(parsed.plan)).toBe(text);
    // --json without -o prints the same document.
    const json = await runCli(["plan", file, "--offline", "--json"], { env: NO_CREDENTIALS });
    expect(json.stdout).toBe(text);
    // A hand-edited item no longer matches its batch's fingerprint.
    const edited = text.replace('"/in/a.txt"', '"/in/b.txt"');
    expect(edited).not.toBe(text);
    const reread = parsePlanJson(edited);
    expect(reread.ok).toBe(false);
    if (!reread.ok) {
      expect(reread.diagnostics.map((d) => d.summary).join("\n")).toContain(
        "does not match its fingerprint",
      );
    }
  });

  it("prints the step graph as a Mermaid flowchart", async () => {
    const result = await runCli(
      ["plan", "workflows/instrument-to-archive.yaml", "--offline", "--format", "mermaid"],
      { env: NO_CREDENTIALS },
    );
    expect(result.code).toBe(0);
    expect(result.stdout.split("\n")[0]).toBe("flowchart TD");
    expect(result.stdout).toMatch(/step1\["day-folder<br\/>mkdir on archive/);
    expect(result.stdout).toContain("step1 --> step2");
  });

  it("shows every batch's exact Transfer document with --show-documents", async () => {
    const file = write("docs.yaml", offlineWorkflow("      syncLevel: checksum\n"));
    const result = await runCli(["plan", file, "--offline", "--show-documents"], {
      env: NO_CREDENTIALS,
    });
    expect(result.code).toBe(0);
    const start = result.stdout.indexOf("# step copy, batch 1 of 1: POST /v0.10/transfer");
    expect(start).toBeGreaterThan(0);
    const document = JSON.parse(result.stdout.slice(result.stdout.indexOf("{", start)));
    expect(document).toEqual({
      DATA_TYPE: "transfer",
      source_endpoint: HYDRA,
      destination_endpoint: LEUVEN,
      sync_level: 3,
      DATA: [
        {
          DATA_TYPE: "transfer_item",
          source_path: "/data/a.txt",
          destination_path: "/in/a.txt",
        },
      ],
    });
    const json = await runCli(["plan", file, "--offline", "--json", "--show-documents"]);
    expect(json.code).toBe(2);
  });

  it("removes a million duplicate lines, keeping one item", async () => {
    write("dups.txt", "/data/same.dat /in/same.dat\n".repeat(1_000_000));
    const file = write(
      "dups.yaml",
      offlineWorkflow().replace(/ {6}items:\n.*\n/, "      itemsFrom: dups.txt\n"),
    );
    const result = await runCli(["plan", file, "--offline", "--json"], { env: NO_CREDENTIALS });
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.steps[0].itemCount).toBe(1);
    expect(plan.steps[0].duplicatesRemoved).toBe(999_999);
    expect(plan.warnings.map((w: { code: string }) => w.code)).toContain("duplicate-items");
  });

  it.each([
    [
      "two items writing the same destination",
      offlineWorkflow(
        "",
        "- { source: /data/a.txt, destination: /in/x.txt }\n        - { source: /data/b.txt, destination: /in/x.txt }",
      ),
      /rt-bad\.yaml:\d+:\d+: error: .*\/in\/x\.txt/,
    ],
    [
      "an input that makes a path relative",
      offlineWorkflow("", '- { source: "${{ inputs.base }}/a.txt", destination: /in/a.txt }'),
      /rt-bad\.yaml:\d+:\d+: error: .*absolute/,
    ],
  ])("refuses %s, located, with exit 2", async (_, text, expected) => {
    const file = write("rt-bad.yaml", text);
    const result = await runCli(["plan", file, "--offline", "--input", "base=data"], {
      env: NO_CREDENTIALS,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(expected);
    expect(hasStackTrace(result.stderr)).toBe(false);
  });

  it("reports a bad batch-file line as file:line:col", async () => {
    write("bad.txt", "/data/a /in/a\n/data/b\n");
    const file = write(
      "badlines.yaml",
      offlineWorkflow().replace(/ {6}items:\n.*\n/, "      itemsFrom: bad.txt\n"),
    );
    const result = await runCli(["plan", file, "--offline"], { env: NO_CREDENTIALS });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^bad\.txt:2:\d+: error: /m);
    expect(hasStackTrace(result.stderr)).toBe(false);
  });

  it("without credentials and without --offline: consents missing, exit 3, and how to fix it", async () => {
    const file = write("nologin.yaml", offlineWorkflow());
    const result = await runCli(["plan", file], {
      env: { ...NO_CREDENTIALS, GLOBUS_SDK_SERVICE_URL_TRANSFER: "http://127.0.0.1:9/" },
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/not logged in/i);
    expect(result.stderr).toContain("--offline");
    expect(result.stdout).toContain(`transflow consent ${file}`);
  });
});

describe("transflow plan against the sandbox", () => {
  let sandbox: SandboxProcess;
  let mapped: string;
  let guest: string;
  let personal: string;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    sandbox = await startSandboxProcess({ args: ["--auto-approve"] });
    mapped = sandbox.collection("GCSv5_mapped_collection").id;
    guest = sandbox.collection("GCSv5_guest_collection").id;
    personal = sandbox.collection("GCP_mapped_collection").id;
    env = {
      ...NO_CREDENTIALS,
      GLOBUS_SDK_SERVICE_URL_AUTH: sandbox.info.authUrl,
      GLOBUS_SDK_SERVICE_URL_TRANSFER: sandbox.info.transferUrl,
    };
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  const threeCollections = (kinds: Record<string, string> = {}) =>
    write(
      "sandbox.yaml",
      `version: 1
name: three
collections:
  tier2: { id: ${mapped}${kinds.tier2 ?? ""} }
  share: { id: ${guest}${kinds.share ?? ""} }
  laptop: { id: ${personal} }
steps:
  - id: in
    transfer:
      source: tier2
      destination: share
      items: [{ source: /data/, destination: /in/, recursive: true }]
  - id: out
    needs: [in]
    transfer:
      source: share
      destination: laptop
      items: [{ source: /in/x.txt, destination: /x.txt }]
`,
    );

  it("with a refresh token from the environment: looks the collections up; data_access is asked for the mapped one only", async () => {
    const login = await loginUser(sandbox, `openid ${TRANSFER_ALL}`);
    const file = threeCollections();
    const userEnv = {
      ...env,
      TRANSFLOW_NATIVE_CLIENT_ID: login.clientId,
      TRANSFLOW_REFRESH_TOKEN: login.refreshToken,
    };
    const text = await runCli(["plan", file], { env: userEnv });
    expect(text.stderr).toBe("");
    // A token's scope names only Transfer all: its data_access consents cannot be seen.
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`✓ ${TRANSFER_ALL}: granted`);
    expect(text.stdout).toContain(`? ${dataAccess(mapped)} (tier2): unverified`);
    expect(text.stdout).not.toContain(dataAccess(guest));
    expect(text.stdout).not.toContain(dataAccess(personal));
    expect(text.stdout).not.toContain(login.refreshToken);

    const json = await runCli(["plan", file, "--json"], { env: userEnv });
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout);
    expect(plan.identity).toBe("user");
    expect(plan.consents.scope).toBe(`${TRANSFER_ALL}[*${dataAccess(mapped)}]`);
    expect(plan.consents.granted).toEqual([TRANSFER_ALL]);
    expect(plan.consents.missing).toEqual([]);
    expect(plan.consents.unverified).toEqual([dataAccess(mapped)]);
    const facts = Object.fromEntries(
      plan.collections.map(
        (c: { alias: string; entityType: string; from: { entityType: string } }) => [
          c.alias,
          [c.entityType, c.from.entityType],
        ],
      ),
    );
    expect(facts).toEqual({
      tier2: ["GCSv5_mapped_collection", "lookup"],
      share: ["GCSv5_guest_collection", "lookup"],
      laptop: ["GCP_mapped_collection", "lookup"],
    });

    // A refresh token without Transfer all: that consent is missing, exit 3 with the remedy.
    const openidOnly = await loginUser(sandbox, "openid email", "auth.globus.org");
    const missing = await runCli(["plan", file], {
      env: { ...userEnv, TRANSFLOW_REFRESH_TOKEN: openidOnly.refreshToken },
    });
    expect(missing.code).toBe(3);
    expect(missing.stdout).toContain(`transflow consent ${file}`);
  });

  it("a client identity gets its scope from Globus Auth and needs no consent", async () => {
    const { id, secret } = sandbox.confidential();
    const result = await runCli(["plan", threeCollections(), "--json"], {
      env: { ...env, TRANSFLOW_CLIENT_ID: id, TRANSFLOW_CLIENT_SECRET: secret },
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.identity).toBe("client");
    expect(plan.consents.missing).toEqual([]);
    expect(plan.consents.granted).toEqual([TRANSFER_ALL, dataAccess(mapped)]);
    expect(result.stdout).not.toContain(secret);
  });

  it("refuses a declared kind the lookup contradicts", async () => {
    const { id, secret } = sandbox.confidential();
    const result = await runCli(["plan", threeCollections({ tier2: ", kind: guest" })], {
      env: { ...env, TRANSFLOW_CLIENT_ID: id, TRANSFLOW_CLIENT_SECRET: secret },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/sandbox\.yaml:4:\d+: error: .*mapped/);
    expect(hasStackTrace(result.stderr)).toBe(false);
  });

  it("reports an unknown collection id (404 from Transfer) at its line", async () => {
    const { id, secret } = sandbox.confidential();
    const unknown = "0badc0de-0000-4000-8000-000000000000";
    const file = write(
      "unknown.yaml",
      readFileSync(threeCollections(), "utf8").replace(personal, unknown),
    );
    const result = await runCli(["plan", file], {
      env: { ...env, TRANSFLOW_CLIENT_ID: id, TRANSFLOW_CLIENT_SECRET: secret },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`unknown\\.yaml:6:\\d+: error: .*${unknown}`));
    expect(hasStackTrace(result.stderr)).toBe(false);
  });

  it("a forbidden lookup is a warning naming Globus's code and request id; declared facts are used", async () => {
    const { id, secret } = sandbox.confidential();
    const fault = await http(`${sandbox.info.adminUrl}faults`, {
      json: {
        method: "GET",
        path: `/transfer/v0.10/endpoint/${guest}`,
        action: { type: "status", status: 403 },
      },
    });
    expect(fault.status).toBe(201);
    try {
      const result = await runCli(["plan", threeCollections({ share: ", kind: guest" })], {
        env: { ...env, TRANSFLOW_CLIENT_ID: id, TRANSFLOW_CLIENT_SECRET: secret },
      });
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/warning: .*PermissionDenied.*request_id/);
      expect(result.stdout).toMatch(/share .*GCS v5 guest collection\s+declared/);
    } finally {
      await http(`${sandbox.info.adminUrl}faults`, { method: "DELETE" });
    }
  });
});
