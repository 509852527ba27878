// The sandbox driven over HTTP the way the official clients drive Globus (request shapes from
// shared/reference/official-clients-wire.md), with every response decoded by the wire schemas.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  CancelResult,
  ConsentRequiredBody,
  EndpointDocument,
  EndpointList,
  EventList,
  FileDocument,
  FileList,
  IntrospectResponse,
  isConsentRequired,
  MkdirResult,
  requiredScopesOf,
  SubmissionId,
  SubmissionResult,
  SuccessfulTransfers,
  TaskDocument,
  TaskList,
  TokenResponse,
  TransferErrorBody,
} from "@transflow/core/globus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  basic,
  exchangeCode,
  type HttpResult,
  http,
  type SandboxProcess,
  startSandboxProcess,
  waitFor,
} from "./support/sandbox.ts";

const TRANSFER_ALL = "urn:globus:auth:scope:transfer.api.globus.org:all";
const dataAccess = (id: string) => `https://auth.globus.org/scopes/${id}/data_access`;

let sandbox: SandboxProcess;
let transfer: string;
let auth: string;
let mapped: string;
let guest: string;
let personal: string;

const decode = <S extends z.ZodType>(schema: S, result: HttpResult): z.output<S> => {
  const parsed = schema.safeParse(result.body);
  if (!parsed.success) throw new Error(`${result.status} ${result.text}\n${parsed.error.message}`);
  return parsed.data;
};

const clientCredentials = async (scope: string): Promise<string> => {
  const { id, secret } = sandbox.confidential();
  const result = await http(`${auth}v2/oauth2/token`, {
    headers: { authorization: basic(id, secret) },
    form: { grant_type: "client_credentials", scope },
  });
  expect(result.status).toBe(200);
  const token = decode(TokenResponse, result);
  expect(token.resource_server).toBe("transfer.api.globus.org");
  expect(token.other_tokens).toEqual([]);
  return token.access_token;
};

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const md5 = (file: string) => createHash("md5").update(readFileSync(file)).digest("hex");

beforeAll(async () => {
  sandbox = await startSandboxProcess();
  transfer = `${sandbox.info.transferUrl}v0.10/`;
  auth = sandbox.info.authUrl;
  mapped = sandbox.collection("GCSv5_mapped_collection").id;
  guest = sandbox.collection("GCSv5_guest_collection").id;
  personal = sandbox.collection("GCP_mapped_collection").id;
});
afterAll(async () => {
  const output = sandbox?.output() ?? "";
  await sandbox?.stop();
  // Every response of the scenario matched its wire schema.
  expect(output).not.toContain("does not match its wire schema");
});

describe("sandbox scenario, as the official clients drive Globus", () => {
  let token: string;
  let taskId: string;
  let submissionId: string;

  it("prints the environment a client needs", () => {
    expect(sandbox.output()).toContain(`GLOBUS_SDK_SERVICE_URL_AUTH='${sandbox.info.authUrl}'`);
    expect(sandbox.output()).toContain(
      `GLOBUS_SDK_SERVICE_URL_TRANSFER='${sandbox.info.transferUrl}'`,
    );
    expect(sandbox.output()).toContain("TRANSFLOW_CLIENT_SECRET=");
    expect(sandbox.info.collections.map((c) => c.entityType).sort()).toEqual([
      "GCP_mapped_collection",
      "GCSv5_endpoint",
      "GCSv5_guest_collection",
      "GCSv5_mapped_collection",
      "GCSv5_mapped_collection",
    ]);
  });

  it("issues a Transfer token by client credentials", async () => {
    token = await clientCredentials(TRANSFER_ALL);
  });

  it("searches collections and pages with has_next_page", async () => {
    const all = decode(
      EndpointList,
      await http(`${transfer}endpoint_search?filter_fulltext=sandbox&limit=100`, {
        headers: bearer(token),
      }),
    );
    expect(all.DATA.length).toBe(5);
    const first = decode(
      EndpointList,
      await http(`${transfer}endpoint_search?filter_fulltext=sandbox&limit=2`, {
        headers: bearer(token),
      }),
    );
    expect(first.has_next_page).toBe(true);
    const last = decode(
      EndpointList,
      await http(`${transfer}endpoint_search?filter_fulltext=sandbox&limit=2&offset=4`, {
        headers: bearer(token),
      }),
    );
    expect(last.has_next_page).toBe(false);
    expect(last.DATA.length).toBe(1);
    const guests = decode(
      EndpointList,
      await http(`${transfer}endpoint_search?filter_fulltext=guest&limit=10`, {
        headers: bearer(token),
      }),
    );
    expect(guests.DATA.map((d) => d.id)).toEqual([guest]);
  });

  it("gets a collection document with entity_type and high_assurance", async () => {
    const doc = decode(
      EndpointDocument,
      await http(`${transfer}endpoint/${mapped}`, { headers: bearer(token) }),
    );
    expect(doc.entity_type).toBe("GCSv5_mapped_collection");
    expect(doc.high_assurance).toBe(false);
    expect(doc.non_functional).toBe(false);
    const missing = await http(`${transfer}endpoint/00000000-0000-4000-8000-00000000dead`, {
      headers: bearer(token),
    });
    expect(missing.status).toBe(404);
    expect(decode(TransferErrorBody, missing).code).toBe("EndpointNotFound");
  });

  it("answers ConsentRequired for a mapped collection until the data_access consent is granted", async () => {
    const denied = await http(`${transfer}operation/endpoint/${mapped}/ls?path=/data/`, {
      headers: bearer(token),
    });
    expect(denied.status).toBe(403);
    const body = decode(ConsentRequiredBody, denied);
    expect(isConsentRequired(body)).toBe(true);
    const scope = `${TRANSFER_ALL}[*${dataAccess(mapped)}]`;
    expect(requiredScopesOf(body)).toEqual([scope]);
    expect(body.resource).toBe(`/operation/endpoint/${mapped}/ls`);
    // globus-cli's fix as a client: a client_credentials grant for the dependent scope records
    // the consent, and the *old* token then works (consent is per client and identity).
    await clientCredentials(scope);
    const allowed = await http(`${transfer}operation/endpoint/${mapped}/ls?path=/data/`, {
      headers: bearer(token),
    });
    expect(allowed.status).toBe(200);
    expect(decode(FileList, allowed).DATA.map((f) => f.name)).toEqual(["latest", "run-001"]);
  });

  it("refuses a data_access scope for collections that have none (Unknown scope)", async () => {
    const { id, secret } = sandbox.confidential();
    for (const collection of [
      guest,
      personal,
      sandbox.collection("GCSv5_mapped_collection", true).id,
    ]) {
      const result = await http(`${auth}v2/oauth2/token`, {
        headers: { authorization: basic(id, secret) },
        form: {
          grant_type: "client_credentials",
          scope: `${TRANSFER_ALL}[*${dataAccess(collection)}]`,
        },
      });
      expect(result.status).toBe(400);
      expect(result.text).toContain("UNKNOWN_SCOPE_ERROR");
      expect(result.text).toContain(dataAccess(collection));
    }
  });

  it("submits a transfer with a submission id and answers Duplicate on resubmission", async () => {
    submissionId = decode(
      SubmissionId,
      await http(`${transfer}submission_id`, { headers: bearer(token) }),
    ).value;
    const document = {
      DATA_TYPE: "transfer",
      DATA: [
        {
          DATA_TYPE: "transfer_item",
          source_path: "/data/run-001/results.csv",
          destination_path: "/incoming/results.csv",
        },
        {
          DATA_TYPE: "transfer_item",
          source_path: "/data/run-001/images/",
          destination_path: "/incoming/images/",
          recursive: true,
        },
      ],
      source_endpoint: mapped,
      destination_endpoint: guest,
      label: "scenario",
      submission_id: submissionId,
      verify_checksum: true,
      sync_level: 3,
      preserve_timestamp: true,
    };
    const accepted = decode(
      SubmissionResult,
      await http(`${transfer}transfer`, { headers: bearer(token), json: document }),
    );
    expect(accepted.code).toBe("Accepted");
    expect(accepted.submission_id).toBe(submissionId);
    expect(accepted.resource).toBe("/transfer");
    taskId = accepted.task_id;
    const again = decode(
      SubmissionResult,
      await http(`${transfer}transfer`, { headers: bearer(token), json: document }),
    );
    expect(again.code).toBe("Duplicate");
    expect(again.task_id).toBe(taskId);
  });

  it("runs the task to SUCCEEDED and the files are really there with equal checksums", async () => {
    const done = await waitFor(async () => {
      const task = decode(
        TaskDocument,
        await http(`${transfer}task/${taskId}`, { headers: bearer(token) }),
      );
      return task.status === "ACTIVE" ? undefined : task;
    });
    expect(done.status).toBe("SUCCEEDED");
    expect(done.files_transferred).toBe(3);
    expect(done.bytes_transferred).toBeGreaterThan(0);
    expect(done.fatal_error).toBeNull();
    expect(done.completion_time).not.toBeNull();
    const source = sandbox.collection("GCSv5_mapped_collection").localRoot ?? "";
    const destination = sandbox.collection("GCSv5_guest_collection").localRoot ?? "";
    for (const [from, to] of [
      ["data/run-001/results.csv", "incoming/results.csv"],
      ["data/run-001/images/plot-1.dat", "incoming/images/plot-1.dat"],
      ["data/run-001/images/plot-2.dat", "incoming/images/plot-2.dat"],
    ] as const) {
      expect(md5(join(destination, to))).toBe(md5(join(source, from)));
      // preserve_timestamp: the modification times match (to the second).
      expect(Math.floor(statSync(join(destination, to)).mtimeMs / 1000)).toBe(
        Math.floor(statSync(join(source, from)).mtimeMs / 1000),
      );
    }
  });

  it("lists events newest first and the successful transfers", async () => {
    const events = decode(
      EventList,
      await http(`${transfer}task/${taskId}/event_list`, { headers: bearer(token) }),
    );
    expect(events.DATA[0]?.code).toBe("SUCCEEDED");
    expect(events.DATA.at(-1)?.code).toBe("STARTED");
    const pageOne = decode(
      EventList,
      await http(`${transfer}task/${taskId}/event_list?limit=1&offset=0`, {
        headers: bearer(token),
      }),
    );
    expect(pageOne.DATA.length).toBe(1);
    expect(pageOne.total).toBe(events.total);
    const successful = decode(
      SuccessfulTransfers,
      await http(`${transfer}task/${taskId}/successful_transfers`, { headers: bearer(token) }),
    );
    expect(successful.next_marker).toBeNull();
    expect(successful.DATA.map((t) => t.destination_path).sort()).toEqual([
      "/incoming/images/plot-1.dat",
      "/incoming/images/plot-2.dat",
      "/incoming/results.csv",
    ]);
  });

  it("lists, stats and makes directories", async () => {
    const listing = decode(
      FileList,
      await http(`${transfer}operation/endpoint/${guest}/ls?path=/incoming`, {
        headers: bearer(token),
      }),
    );
    expect(listing.path).toBe("/incoming/");
    expect(listing.DATA.map((f) => [f.name, f.type])).toEqual([
      ["images", "dir"],
      ["results.csv", "file"],
    ]);
    const stat = decode(
      FileDocument,
      await http(`${transfer}operation/endpoint/${guest}/stat?path=/incoming/results.csv`, {
        headers: bearer(token),
      }),
    );
    expect(stat.size).toBe(
      statSync(
        join(sandbox.collection("GCSv5_guest_collection").localRoot ?? "", "incoming/results.csv"),
      ).size,
    );
    const made = await http(`${transfer}operation/endpoint/${guest}/mkdir`, {
      headers: bearer(token),
      json: { DATA_TYPE: "mkdir", path: "/incoming/new/" },
    });
    expect(decode(MkdirResult, made).code).toBe("DirectoryCreated");
    const exists = await http(`${transfer}operation/endpoint/${guest}/mkdir`, {
      headers: bearer(token),
      json: { DATA_TYPE: "mkdir", path: "/incoming/new/" },
    });
    expect(exists.status).toBe(502);
    expect(decode(TransferErrorBody, exists).code).toBe("ExternalError.MkdirFailed.Exists");
  });

  it("deletes recursively", async () => {
    const id = decode(
      SubmissionId,
      await http(`${transfer}submission_id`, { headers: bearer(token) }),
    ).value;
    const result = decode(
      SubmissionResult,
      await http(`${transfer}delete`, {
        headers: bearer(token),
        json: {
          DATA_TYPE: "delete",
          DATA: [{ DATA_TYPE: "delete_item", path: "/incoming/images/" }],
          endpoint: guest,
          submission_id: id,
          recursive: true,
        },
      }),
    );
    expect(result.DATA_TYPE).toBe("delete_result");
    const done = await waitFor(async () => {
      const task = decode(
        TaskDocument,
        await http(`${transfer}task/${result.task_id}`, { headers: bearer(token) }),
      );
      return task.status === "ACTIVE" ? undefined : task;
    });
    expect(done.status).toBe("SUCCEEDED");
    expect(done.type).toBe("DELETE");
    const listing = decode(
      FileList,
      await http(`${transfer}operation/endpoint/${guest}/ls?path=/incoming/`, {
        headers: bearer(token),
      }),
    );
    expect(listing.DATA.map((f) => f.name)).toEqual(["new", "results.csv"]);
  });

  it("pages task_list with filters", async () => {
    const all = decode(
      TaskList,
      await http(`${transfer}task_list?limit=10`, { headers: bearer(token) }),
    );
    expect(all.total).toBe(2);
    const transfers = decode(
      TaskList,
      await http(
        `${transfer}task_list?limit=1000&orderby=request_time DESC&filter=task_id:${taskId}/type:TRANSFER,DELETE`,
        {
          headers: bearer(token),
        },
      ),
    );
    expect(transfers.DATA.map((t) => t.task_id)).toEqual([taskId]);
    const page = decode(
      TaskList,
      await http(`${transfer}task_list?limit=1&offset=1`, { headers: bearer(token) }),
    );
    expect(page.DATA.length).toBe(1);
    expect(page.total).toBe(2);
  });

  it("cancels: TaskComplete for a finished task", async () => {
    const result = decode(
      CancelResult,
      await http(`${transfer}task/${taskId}/cancel`, { method: "POST", headers: bearer(token) }),
    );
    expect(result.code).toBe("TaskComplete");
  });

  it("logs a person in with PKCE and refreshes the token", async () => {
    const native = sandbox.info.clients.find((c) => c.type === "native");
    if (!native) throw new Error("no native client");
    const verifier = randomBytes(32).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const redirectUri = "http://127.0.0.1:1/callback";
    const query = new URLSearchParams({
      client_id: native.id,
      redirect_uri: redirectUri,
      scope: `openid profile email ${TRANSFER_ALL}[*${dataAccess(mapped)}]`,
      state: "xyz-state",
      response_type: "code",
      code_challenge: challenge,
      code_challenge_method: "S256",
      access_type: "offline",
    });
    // The consent page, then the person's Allow (what a browser does).
    const authorizeUrl = `${auth}v2/oauth2/authorize?${query}`;
    const page = await http(authorizeUrl, { redirect: "manual" });
    expect(page.status).toBe(200);
    expect(page.text).toContain(dataAccess(mapped));
    const form = /<form[^>]*action="([^"]+)"[\s\S]*?<\/form>/.exec(page.text);
    const action = form?.[1]?.replace(/&amp;/g, "&") ?? "";
    const hidden = [
      ...(form?.[0] ?? "").matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g),
    ].map((m) => [m[1] ?? "", (m[2] ?? "").replace(/&amp;/g, "&")] as const);
    const decision = await http(new URL(action, authorizeUrl).toString(), {
      form: { ...Object.fromEntries(hidden), decision: "allow" },
      redirect: "manual",
    });
    expect(decision.status).toBe(302);
    const location = new URL(decision.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(location.searchParams.get("state")).toBe("xyz-state");
    const code = location.searchParams.get("code") ?? "";
    const grant = { code, verifier, redirectUri, clientId: native.id };
    const exchanged = decode(TokenResponse, await exchangeCode(auth, grant));
    const transferToken =
      exchanged.resource_server === "transfer.api.globus.org"
        ? exchanged
        : exchanged.other_tokens.find((t) => t.resource_server === "transfer.api.globus.org");
    expect(transferToken?.refresh_token).toBeTruthy();
    const refreshed = decode(
      TokenResponse,
      await http(`${auth}v2/oauth2/token`, {
        form: {
          grant_type: "refresh_token",
          refresh_token: transferToken?.refresh_token ?? "",
          client_id: native.id,
        },
      }),
    );
    expect(refreshed.access_token).not.toBe(transferToken?.access_token);
    const listing = await http(`${transfer}operation/endpoint/${mapped}/ls?path=/data/`, {
      headers: bearer(refreshed.access_token),
    });
    expect(listing.status).toBe(200);
    // The verifier is single-use with its code: exchanging the code again fails.
    const reused = await exchangeCode(auth, grant);
    expect(reused.status).toBe(401);
  });

  it("introspects tokens and revokes them", async () => {
    const { id, secret } = sandbox.confidential();
    const active = decode(
      IntrospectResponse,
      await http(`${auth}v2/oauth2/token/introspect`, {
        headers: { authorization: basic(id, secret) },
        form: { token },
      }),
    );
    expect(active.active).toBe(true);
    await http(`${auth}v2/oauth2/token/revoke`, {
      headers: { authorization: basic(id, secret) },
      form: { token },
    });
    const after = await http(`${transfer}task/${taskId}`, { headers: bearer(token) });
    expect(after.status).toBe(401);
    expect(decode(TransferErrorBody, after).code).toBe("AuthenticationFailed");
  });

  it("counts what each endpoint was asked, for API-economy assertions", async () => {
    const state = (await http(`${sandbox.info.adminUrl}state`)).body as {
      tasks: { task_id: string; submission_id: string }[];
      requests: { total: number; byEndpoint: Record<string, number> };
    };
    expect(state.tasks.filter((t) => t.submission_id === submissionId)).toHaveLength(1);
    expect(state.requests.byEndpoint["POST /transfer/v0.10/transfer"]).toBe(2);
    expect(state.requests.total).toBeGreaterThan(10);
  });
});
