// Task behaviour and fault injection of the sandbox, as a process: queueing, deadlines, cancel,
// transient faults, fatal errors, consent lost mid-run, injected HTTP faults and rate limits.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { EventList, SkippedErrors, TaskDocument, TransferErrorBody } from "@transflow/core/globus";
import { defaultConfig } from "@transflow/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  basic,
  http,
  type SandboxProcess,
  startSandboxProcess,
  waitFor,
} from "./support/sandbox.ts";

const TRANSFER_ALL = "urn:globus:auth:scope:transfer.api.globus.org:all";

let sandbox: SandboxProcess;
let transfer: string;
let token: string;
let mapped: string;
let guest: string;
let personal: string;

const bearer = () => ({ authorization: `Bearer ${token}` });
const admin = (path: string) => `${sandbox.info.adminUrl}${path}`;

const submit = async (
  kind: "transfer" | "delete",
  fields: Record<string, unknown>,
): Promise<string> => {
  const { value } = (await http(`${transfer}submission_id`, { headers: bearer() })).body as {
    value: string;
  };
  const result = await http(`${transfer}${kind}`, {
    headers: bearer(),
    json: { DATA_TYPE: kind, submission_id: value, ...fields },
  });
  expect(result.status, result.text).toBe(200);
  return (result.body as { task_id: string }).task_id;
};

const item = (source: string, destination: string, extra: Record<string, unknown> = {}) => ({
  DATA_TYPE: "transfer_item",
  source_path: source,
  destination_path: destination,
  ...extra,
});

const task = async (id: string) =>
  TaskDocument.parse((await http(`${transfer}task/${id}`, { headers: bearer() })).body);
const finished = (id: string) =>
  waitFor(async () => {
    const doc = await task(id);
    return doc.status === "SUCCEEDED" || doc.status === "FAILED" ? doc : undefined;
  });
const events = async (id: string) =>
  EventList.parse(
    (await http(`${transfer}task/${id}/event_list?limit=1000`, { headers: bearer() })).body,
  ).DATA;

beforeAll(async () => {
  sandbox = await startSandboxProcess({
    config: { ...defaultConfig, taskRetryDelayMs: 20, seed: 7 },
  });
  transfer = `${sandbox.info.transferUrl}v0.10/`;
  mapped = sandbox.collection("GCSv5_mapped_collection").id;
  guest = sandbox.collection("GCSv5_guest_collection").id;
  personal = sandbox.collection("GCP_mapped_collection").id;
  const { id, secret } = sandbox.confidential();
  const result = await http(`${sandbox.info.authUrl}v2/oauth2/token`, {
    headers: { authorization: basic(id, secret) },
    form: {
      grant_type: "client_credentials",
      scope: `${TRANSFER_ALL}[*https://auth.globus.org/scopes/${mapped}/data_access]`,
    },
  });
  token = (result.body as { access_token: string }).access_token;
});
afterAll(async () => {
  const output = sandbox?.output() ?? "";
  await sandbox?.stop();
  expect(output).not.toContain("does not match its wire schema");
  expect(output).not.toContain("internal error");
});

describe("tasks", () => {
  it("queues past 3 transfer tasks per identity (nice_status Queued) and runs them later", async () => {
    // Every file attempt fails transiently, so the first tasks stay ACTIVE, retrying.
    await http(admin("task-faults"), { json: { times: 1_000_000, code: "CONNECTION_RESET" } });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push(
        await submit("transfer", {
          source_endpoint: personal,
          destination_endpoint: guest,
          DATA: [item("~/notes.txt", `/q/notes-${i}.txt`)],
        }),
      );
    }
    const docs = await Promise.all(ids.map(task));
    expect(docs.map((d) => d.nice_status)).toEqual(
      ["OK", "OK", "OK", "Queued"].map((s, i) => (i < 3 ? expect.any(String) : s)),
    );
    expect(docs[3]?.status).toBe("ACTIVE");
    expect(docs[3]?.is_ok).toBe(true);
    const retrying = await waitFor(async () => {
      const doc = await task(ids[0] ?? "");
      return doc.faults > 0 ? doc : undefined;
    });
    expect(retrying.nice_status).toBe("CONNECTION_RESET");
    const faultEvents = (await events(ids[0] ?? "")).filter((e) => e.code === "CONNECTION_RESET");
    expect(faultEvents.length).toBeGreaterThan(0);
    expect(faultEvents[0]?.is_error).toBe(true);
    // Cancel one running task: it FAILs with CANCELED, and the queued one starts.
    const cancel = await http(`${transfer}task/${ids[0]}/cancel`, {
      method: "POST",
      headers: bearer(),
    });
    expect((cancel.body as { code: string }).code).toBe("Canceled");
    const canceled = await finished(ids[0] ?? "");
    expect(canceled.status).toBe("FAILED");
    expect(canceled.fatal_error?.code).toBe("CANCELED");
    expect((await events(ids[0] ?? ""))[0]).toMatchObject({
      code: "CANCELED",
      details: "Canceled by the task owner",
      is_error: true,
    });
    await waitFor(async () =>
      (await task(ids[3] ?? "")).nice_status !== "Queued" ? true : undefined,
    );
    // Faults end: the retried tasks succeed.
    await http(admin("task-faults"), { json: { times: 1, code: "CONNECTION_RESET" } });
    for (const id of ids.slice(1)) {
      const done = await finished(id);
      expect(done.status).toBe("SUCCEEDED");
    }
  });

  it("fails a task at its deadline with EXPIRED", async () => {
    await http(admin("task-faults"), { json: { times: 1_000_000, code: "CONNECTION_RESET" } });
    const deadline = new Date(Date.now() + 800).toISOString();
    const id = await submit("transfer", {
      source_endpoint: personal,
      destination_endpoint: guest,
      deadline,
      DATA: [item("~/notes.txt", "/deadline/notes.txt")],
    });
    const done = await finished(id);
    await http(admin("task-faults"), { json: { times: 1, code: "CONNECTION_RESET" } });
    expect(done.status).toBe("FAILED");
    expect(done.fatal_error?.code).toBe("EXPIRED");
    expect((await events(id))[0]?.code).toBe("EXPIRED");
  });

  it("fails at once on a missing source (FILE_NOT_FOUND), or skips it with skip_source_errors", async () => {
    const failing = await finished(
      await submit("transfer", {
        source_endpoint: guest,
        destination_endpoint: guest,
        DATA: [item("/no/such/file", "/x/file")],
      }),
    );
    expect(failing.status).toBe("FAILED");
    expect(failing.fatal_error?.code).toBe("FILE_NOT_FOUND");
    const skipping = await submit("transfer", {
      source_endpoint: guest,
      destination_endpoint: guest,
      skip_source_errors: true,
      DATA: [item("/no/such/file", "/y/file"), item("/shared/welcome.txt", "/y/welcome.txt")],
    });
    const done = await finished(skipping);
    expect(done.status).toBe("SUCCEEDED");
    expect(done.files_transferred).toBe(1);
    const skipped = SkippedErrors.parse(
      (await http(`${transfer}task/${skipping}/skipped_errors`, { headers: bearer() })).body,
    );
    expect(skipped.DATA.map((e) => [e.error_code, e.source_path])).toEqual([
      ["FILE_NOT_FOUND", "/no/such/file"],
    ]);
  });

  it("a delete of a missing path fails with FILE_NOT_FOUND unless ignore_missing", async () => {
    const failing = await finished(
      await submit("delete", {
        endpoint: guest,
        DATA: [{ DATA_TYPE: "delete_item", path: "/gone" }],
      }),
    );
    expect(failing.fatal_error?.code).toBe("FILE_NOT_FOUND");
    const ignoring = await finished(
      await submit("delete", {
        endpoint: guest,
        ignore_missing: true,
        DATA: [{ DATA_TYPE: "delete_item", path: "/gone" }],
      }),
    );
    expect(ignoring.status).toBe("SUCCEEDED");
  });

  it("skips files by sync level", async () => {
    const first = await finished(
      await submit("transfer", {
        source_endpoint: mapped,
        destination_endpoint: guest,
        sync_level: 1,
        DATA: [item("/data/latest/", "/sync/", { recursive: true })],
      }),
    );
    expect(first.files_transferred).toBe(5);
    const second = await finished(
      await submit("transfer", {
        source_endpoint: mapped,
        destination_endpoint: guest,
        sync_level: 3,
        DATA: [item("/data/latest/", "/sync/", { recursive: true })],
      }),
    );
    expect(second.status).toBe("SUCCEEDED");
    expect(second.files_transferred).toBe(0);
    expect(second.files_skipped).toBe(5);
  });

  it("goes INACTIVE when the data_access consent is revoked mid-run", async () => {
    await http(admin("task-faults"), { json: { times: 1_000_000, code: "CONNECTION_RESET" } });
    const id = await submit("transfer", {
      source_endpoint: mapped,
      destination_endpoint: guest,
      DATA: [item("/data/latest/log.txt", "/inactive/log.txt")],
    });
    await waitFor(async () => ((await task(id)).faults > 0 ? true : undefined));
    const client = sandbox.confidential().id;
    await http(admin("consents/revoke"), {
      json: { clientId: client, identityId: client, collectionId: mapped },
    });
    const inactive = await waitFor(async () => {
      const doc = await task(id);
      return doc.status === "INACTIVE" ? doc : undefined;
    });
    await http(admin("task-faults"), { json: { times: 1, code: "CONNECTION_RESET" } });
    expect(inactive.is_ok).toBe(false);
    expect((await events(id))[0]?.code).toBe("AUTH");
    const denied = await http(`${transfer}operation/endpoint/${mapped}/ls?path=/data/`, {
      headers: bearer(),
    });
    expect(TransferErrorBody.parse(denied.body).code).toBe("ConsentRequired");
    await http(`${transfer}task/${id}/cancel`, { method: "POST", headers: bearer() });
    expect((await finished(id)).fatal_error?.code).toBe("CANCELED");
  });
});

describe("fault injection", () => {
  it("answers 503 with Retry-After for the first N matches, then normally", async () => {
    await http(admin("faults"), {
      json: {
        method: "GET",
        path: "/transfer/v0.10/task_list",
        times: 2,
        action: { type: "status", status: 503, retryAfterSeconds: 3 },
      },
    });
    const first = await http(`${transfer}task_list`, { headers: bearer() });
    expect(first.status).toBe(503);
    expect(first.headers.get("retry-after")).toBe("3");
    expect(TransferErrorBody.parse(first.body).code).toBe("ServiceUnavailable");
    expect((await http(`${transfer}task_list`, { headers: bearer() })).status).toBe(503);
    expect((await http(`${transfer}task_list`, { headers: bearer() })).status).toBe(200);
  });

  it("resets the connection", async () => {
    await http(admin("faults"), {
      json: { path: "/transfer/v0.10/endpoint/*", times: 1, action: { type: "reset" } },
    });
    await expect(http(`${transfer}endpoint/${guest}`, { headers: bearer() })).rejects.toThrow();
    expect((await http(`${transfer}endpoint/${guest}`, { headers: bearer() })).status).toBe(200);
  });

  it("with a probability, the same seed gives the same faults", async () => {
    const pattern = async (seed: number): Promise<number[]> => {
      const other = await startSandboxProcess({
        config: {
          ...defaultConfig,
          seed,
          faults: [
            { path: "/transfer/**", probability: 0.3, action: { type: "status", status: 502 } },
          ],
        },
      });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 30; i++) {
          statuses.push(
            (await http(`${other.info.transferUrl}v0.10/task_list`, { headers: bearer() })).status,
          );
        }
        return statuses;
      } finally {
        await other.stop();
      }
    };
    const a = await pattern(42);
    const b = await pattern(42);
    expect(a).toEqual(b);
    expect(a.filter((s) => s === 502).length).toBeGreaterThan(0);
    expect(a.filter((s) => s !== 502).length).toBeGreaterThan(0);
  });

  it("limits requests per identity with 429 and Retry-After when configured", async () => {
    const limited = await startSandboxProcess({
      config: { ...defaultConfig, rateLimit: { requestsPerSecond: 1, windowSeconds: 5 } },
    });
    try {
      const url = `${limited.info.transferUrl}v0.10/task_list`;
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 7; i++) {
        const result = await http(url);
        statuses.push(result.status);
        if (result.status === 429) retryAfter = result.headers.get("retry-after");
      }
      expect(statuses.slice(0, 5).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(5)).toEqual([429, 429]);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    } finally {
      await limited.stop();
    }
  });

  it("counts the requests per endpoint in /sandbox/state", async () => {
    await http(admin("requests/reset"), { method: "POST" });
    await http(`${transfer}task_list`, { headers: bearer() });
    await http(`${transfer}task_list`, { headers: bearer() });
    const state = (await http(admin("state"))).body as {
      requests: { total: number; byEndpoint: Record<string, number> };
    };
    expect(state.requests).toEqual({
      total: 2,
      byEndpoint: { "GET /transfer/v0.10/task_list": 2 },
    });
  });
});

describe("the sandbox process", () => {
  it("starts from a config file and stops cleanly on SIGTERM", async () => {
    const other = await startSandboxProcess({
      config: { ...defaultConfig, collections: defaultConfig.collections.slice(0, 2) },
    });
    expect(other.info.collections).toHaveLength(2);
    other.child.kill("SIGTERM");
    const code = await new Promise((resolve) => other.child.on("exit", resolve));
    expect(code).toBe(0);
    expect(other.output()).toContain("transflow sandbox stopped");
    await other.stop();
  });

  it("refuses a broken config file with a clear message and exit 2", async () => {
    const { runCli } = await import("./support/cli.ts");
    const file = join(sandbox.dir, "broken.json");
    writeFileSync(file, JSON.stringify({ clients: [], identities: [], collections: [] }));
    const result = await runCli(["sandbox", "--config", file, "--port", "0"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("is not a valid sandbox config");
    expect(result.stderr).toContain("clients");
  });
});
