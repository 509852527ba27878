/**
 * `transflow collections search` and `collections show`: the built CLI against a sandbox process,
 * acting as the sandbox's confidential client. Search finds the collections by keyword and marks
 * the GCS endpoint; show tells data_access (with the scope string), high assurance and the
 * session policy, and prints a workflow entry that `transflow validate` accepts as pasted.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, hasStackTrace, runCli } from "./support/cli.ts";
import { http, type SandboxProcess, startSandboxProcess } from "./support/sandbox.ts";

let sandbox: SandboxProcess;
let root: string;
let endpoint: string;
let mapped: string;
let guest: string;
let highAssurance: string;

beforeAll(async () => {
  sandbox = await startSandboxProcess();
  root = mkdtempSync(join(tmpdir(), "transflow-collections-"));
  endpoint = sandbox.collection("GCSv5_endpoint").id;
  mapped = sandbox.collection("GCSv5_mapped_collection").id;
  guest = sandbox.collection("GCSv5_guest_collection").id;
  highAssurance = sandbox.collection("GCSv5_mapped_collection", true).id;
});
afterAll(async () => {
  await sandbox?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** The sandbox's URLs and client credentials; an empty config folder; no other identity. */
const env = (extra: Record<string, string | undefined> = {}) => ({
  ...sandbox.info.env,
  TRANSFLOW_HOME: join(root, "home"),
  TRANSFLOW_REFRESH_TOKEN: undefined,
  GLOBUS_CLI_CLIENT_ID: undefined,
  GLOBUS_CLI_CLIENT_SECRET: undefined,
  ...extra,
});

const cli = async (args: string[], extra: Record<string, string | undefined> = {}) => {
  const result: CliResult = await runCli(args, { env: env(extra) });
  expect(hasStackTrace(result.stderr)).toBe(false);
  return result;
};

/** The table row of collection `id`. */
const row = (stdout: string, id: string): string =>
  stdout.split("\n").find((line) => line.startsWith(id)) ?? "";

describe("transflow collections search", () => {
  it("finds the sandbox's collections by keyword and marks the GCS endpoint", async () => {
    const result = await cli(["collections", "search", "sandbox"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^id\s+display name\s+entity type\s+owner\s+data_access consent/);
    for (const collection of sandbox.info.collections) {
      expect(row(result.stdout, collection.id)).toContain(collection.displayName);
    }
    expect(row(result.stdout, endpoint)).toMatch(/GCS endpoint, not a collection\s+.*n\/a$/);
    expect(row(result.stdout, mapped)).toMatch(/GCS v5 mapped collection\s+.*needed$/);
    expect(row(result.stdout, guest)).toMatch(/GCS v5 guest collection\s+.*\bno$/);
    expect(row(result.stdout, highAssurance)).toMatch(/high assurance\s+.*\bno$/);
    // The seed's warning, under the table.
    expect(result.stdout).toMatch(
      /note: Search also finds GCS endpoints \(entity type GCSv5_endpoint\): they are not collections and cannot be used in a workflow/,
    );
  });

  it("narrows by every word, and pages with --limit (--json)", async () => {
    const narrow = await cli(["collections", "search", "sandbox", "guest"]);
    expect(narrow.code).toBe(0);
    const ids = sandbox.info.collections
      .map((c) => c.id)
      .filter((id) => row(narrow.stdout, id) !== "");
    expect(ids).toEqual([guest]);

    const json = await cli(["collections", "search", "sandbox", "--limit", "2", "--json"]);
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout) as {
      query: { text: string; scope: string; limit: number };
      collections: { id: string; isCollection: boolean; dataAccessRequired: boolean }[];
      more: boolean;
    };
    expect(body.query).toEqual({ text: "sandbox", scope: "all", limit: 2 });
    expect(body.collections).toHaveLength(2);
    expect(body.more).toBe(true);

    const all = JSON.parse((await cli(["collections", "search", "sandbox", "--json"])).stdout) as {
      collections: { id: string; isCollection: boolean; dataAccessRequired: boolean }[];
      more: boolean;
    };
    expect(all.more).toBe(false);
    const byId = new Map(all.collections.map((c) => [c.id, c]));
    expect(byId.get(endpoint)?.isCollection).toBe(false);
    expect(byId.get(mapped)).toMatchObject({ isCollection: true, dataAccessRequired: true });
    expect(byId.get(guest)).toMatchObject({ isCollection: true, dataAccessRequired: false });
  });

  it("sends --filter-scope to Transfer; words are needed for the scope all", async () => {
    const shared = await cli(["collections", "search", "--filter-scope", "shared-with-me"]);
    expect(shared.code).toBe(0);
    expect(row(shared.stdout, guest)).toContain("Sandbox Guest Collection");
    expect(row(shared.stdout, mapped)).toBe("");

    const none = await cli(["collections", "search"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("give words to search for");
  });
});

describe("transflow collections show", () => {
  it("a mapped collection needs data_access: the scope string and a workflow entry to paste", async () => {
    const result = await cli(["collections", "show", mapped]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("GCSv5_mapped_collection");
    expect(result.stdout).toMatch(/high assurance\s+no/);
    expect(result.stdout).toContain("data_access consent needed");
    expect(result.stdout).toContain(`https://auth.globus.org/scopes/${mapped}/data_access`);
    expect(result.stdout).toContain(
      `urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/${mapped}/data_access]`,
    );
    expect(result.stdout).toContain(
      `sandbox-mapped-collection: { id: ${mapped}, name: "Sandbox Mapped Collection", kind: mapped, highAssurance: false }`,
    );

    // The entry, pasted as printed, makes a valid workflow.
    const entry = result.stdout.slice(result.stdout.indexOf("\ncollections:\n") + 1);
    const file = join(root, "pasted.yaml");
    writeFileSync(
      file,
      `version: 1\nname: pasted\n${entry}steps:\n  - id: mk\n    mkdir: { collection: sandbox-mapped-collection, paths: [/in/] }\n`,
    );
    const validate = await cli(["validate", file]);
    expect(validate.stderr).toBe("");
    expect(validate.code).toBe(0);
  });

  it("a guest collection needs no data_access", async () => {
    const result = await cli(["collections", "show", guest]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("no data_access consent needed");
    expect(result.stdout).not.toContain("/data_access");
    expect(result.stdout).toMatch(/kind: guest, highAssurance: false/);
    const json = JSON.parse((await cli(["collections", "show", guest, "--json"])).stdout);
    expect(json).toMatchObject({
      id: guest,
      entityType: "GCSv5_guest_collection",
      kind: "guest",
      dataAccessRequired: false,
    });
    expect(json.dataAccessScope).toBeUndefined();
  });

  it("a high-assurance collection: its session policy, no data_access", async () => {
    const result = await cli(["collections", "show", highAssurance]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/high assurance\s+yes/);
    expect(result.stdout).toContain("a login within the last 30 minutes");
    expect(result.stdout).not.toContain("/data_access");
    expect(result.stdout).toContain("highAssurance: true");
  });

  it("the GCS endpoint is not a collection: no workflow entry", async () => {
    const result = await cli(["collections", "show", endpoint]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("GCS endpoint, not a collection");
    expect(result.stdout).toContain("it cannot be used in a workflow");
    expect(result.stdout).not.toContain("\ncollections:\n");
  });

  it("an unknown id: exit 2 with EndpointNotFound and the request id", async () => {
    const unknown = "c0ffee00-0000-4000-8000-00000000ffff";
    const result = await cli(["collections", "show", unknown]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(
      /404 EndpointNotFound: No such endpoint '.*' \(request_id \w{9}\)/,
    );
    expect(result.stderr).toContain("transflow collections search");
  });

  it("another Globus error: exit 1 with its code, request id and the next step", async () => {
    const fault = await http(`${sandbox.info.adminUrl}faults`, {
      json: {
        method: "GET",
        path: `/transfer/v0.10/endpoint/${guest}`,
        action: { type: "status", status: 403 },
      },
    });
    expect(fault.status).toBe(201);
    try {
      const result = await cli(["collections", "show", guest]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/403 PermissionDenied.*\(request_id \w+\)/);
      expect(result.stderr).toContain("next: ");
    } finally {
      await http(`${sandbox.info.adminUrl}faults`, { method: "DELETE" });
    }
  });

  it("not logged in: exit 3 saying how to log in", async () => {
    const result = await cli(["collections", "show", guest], {
      TRANSFLOW_CLIENT_ID: undefined,
      TRANSFLOW_CLIENT_SECRET: undefined,
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain("transflow login");
    expect(result.stderr).toContain("TRANSFLOW_CLIENT_ID");
  });
});
