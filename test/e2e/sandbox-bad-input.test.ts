// Bad input to the sandbox: each gets Globus's status code and error body, the sandbox keeps
// running, and nothing is written outside a collection root.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OAuthErrorBody, TransferErrorBody } from "@transflow/core/globus";
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
let auth: string;
let token: string;
let guest: string;
let guestRoot: string;

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const submissionId = async () =>
  ((await http(`${transfer}submission_id`, { headers: bearer(token) })).body as { value: string })
    .value;

const expectTransferError = (
  result: { status: number; body: unknown },
  status: number,
  code: string,
) => {
  expect(result.status).toBe(status);
  const body = TransferErrorBody.parse(result.body);
  expect(body.code).toBe(code);
  expect(body.request_id).toMatch(/^[A-Za-z0-9]{9}$/);
  return body;
};

beforeAll(async () => {
  sandbox = await startSandboxProcess();
  transfer = `${sandbox.info.transferUrl}v0.10/`;
  auth = sandbox.info.authUrl;
  const { id, secret } = sandbox.confidential();
  const result = await http(`${auth}v2/oauth2/token`, {
    headers: { authorization: basic(id, secret) },
    form: { grant_type: "client_credentials", scope: TRANSFER_ALL },
  });
  token = (result.body as { access_token: string }).access_token;
  const collection = sandbox.collection("GCSv5_guest_collection");
  guest = collection.id;
  guestRoot = collection.localRoot ?? "";
});
afterAll(async () => {
  const output = sandbox?.output() ?? "";
  await sandbox?.stop();
  expect(output).not.toContain("does not match its wire schema");
  expect(output).not.toContain("internal error");
});

describe("the sandbox refuses bad input as Globus does", () => {
  it("malformed JSON body → 400 ClientError.BadRequest", async () => {
    const response = await fetch(`${transfer}transfer`, {
      method: "POST",
      headers: { ...bearer(token), "content-type": "application/json" },
      body: '{"DATA_TYPE": "transfer", ',
    });
    expectTransferError(
      { status: response.status, body: await response.json() },
      400,
      "ClientError.BadRequest",
    );
  });

  it("wrong DATA_TYPE → 400", async () => {
    const body = expectTransferError(
      await http(`${transfer}transfer`, {
        headers: bearer(token),
        json: {
          DATA_TYPE: "delete",
          submission_id: await submissionId(),
          endpoint: guest,
          DATA: [{ DATA_TYPE: "delete_item", path: "/x" }],
        },
      }),
      400,
      "ClientError.BadRequest",
    );
    expect(body.message).toContain("DATA_TYPE");
  });

  it("empty DATA → 400 ClientError.BadRequest.NoTransferItems", async () => {
    expectTransferError(
      await http(`${transfer}transfer`, {
        headers: bearer(token),
        json: {
          DATA_TYPE: "transfer",
          submission_id: await submissionId(),
          source_endpoint: guest,
          destination_endpoint: guest,
          DATA: [],
        },
      }),
      400,
      "ClientError.BadRequest.NoTransferItems",
    );
  });

  it("unknown collection id → 404 EndpointNotFound", async () => {
    const unknown = "0b0b0b0b-0000-4000-8000-000000000000";
    const body = expectTransferError(
      await http(`${transfer}transfer`, {
        headers: bearer(token),
        json: {
          DATA_TYPE: "transfer",
          submission_id: await submissionId(),
          source_endpoint: unknown,
          destination_endpoint: guest,
          DATA: [{ DATA_TYPE: "transfer_item", source_path: "/a", destination_path: "/b" }],
        },
      }),
      404,
      "EndpointNotFound",
    );
    expect(body.message).toBe(`No such endpoint '${unknown}'`);
    expectTransferError(
      await http(`${transfer}operation/endpoint/${unknown}/ls`, { headers: bearer(token) }),
      404,
      "EndpointNotFound",
    );
  });

  it("relative paths → 400 ResourcePropertyValueError", async () => {
    const body = expectTransferError(
      await http(`${transfer}transfer`, {
        headers: bearer(token),
        json: {
          DATA_TYPE: "transfer",
          submission_id: await submissionId(),
          source_endpoint: guest,
          destination_endpoint: guest,
          DATA: [
            {
              DATA_TYPE: "transfer_item",
              source_path: "shared/welcome.txt",
              destination_path: "/copy.txt",
            },
          ],
        },
      }),
      400,
      "ClientError.BadRequest.ResourcePropertyValueError",
    );
    expect(body.message).toContain("shared/welcome.txt");
  });

  it("a submission id the service never issued → 400", async () => {
    expectTransferError(
      await http(`${transfer}transfer`, {
        headers: bearer(token),
        json: {
          DATA_TYPE: "transfer",
          submission_id: "d3adbeef-0000-4000-8000-000000000000",
          source_endpoint: guest,
          destination_endpoint: guest,
          DATA: [
            {
              DATA_TYPE: "transfer_item",
              source_path: "/shared/welcome.txt",
              destination_path: "/copy.txt",
            },
          ],
        },
      }),
      400,
      "ClientError.BadRequest",
    );
  });

  it.each([
    ["missing", {}],
    ["garbled", bearer("not-a-token")],
    ["malformed header", { authorization: "Bearer" }],
  ])("%s token → 401 AuthenticationFailed", async (_name, headers) => {
    expectTransferError(
      await http(`${transfer}task_list`, { headers }),
      401,
      "AuthenticationFailed",
    );
  });

  it("an expired token → 401 (the sandbox expires it on request)", async () => {
    const { id, secret } = sandbox.confidential();
    const fresh = (
      (
        await http(`${auth}v2/oauth2/token`, {
          headers: { authorization: basic(id, secret) },
          form: { grant_type: "client_credentials", scope: TRANSFER_ALL },
        })
      ).body as { access_token: string }
    ).access_token;
    expect((await http(`${transfer}task_list`, { headers: bearer(fresh) })).status).toBe(200);
    const rule = await http(`${sandbox.info.adminUrl}faults`, {
      json: {
        method: "GET",
        path: "/transfer/v0.10/task_list",
        times: 1,
        action: { type: "expireToken" },
      },
    });
    expect(rule.status).toBe(201);
    expectTransferError(
      await http(`${transfer}task_list`, { headers: bearer(fresh) }),
      401,
      "AuthenticationFailed",
    );
    expectTransferError(
      await http(`${transfer}task_list`, { headers: bearer(fresh) }),
      401,
      "AuthenticationFailed",
    );
  });

  it("a wrong client secret → 401 invalid_client", async () => {
    const { id } = sandbox.confidential();
    const result = await http(`${auth}v2/oauth2/token`, {
      headers: { authorization: basic(id, "wrong-secret-wrong-secret") },
      form: { grant_type: "client_credentials", scope: TRANSFER_ALL },
    });
    expect(result.status).toBe(401);
    expect(OAuthErrorBody.parse(result.body).error).toBe("invalid_client");
  });

  it("a wrong PKCE verifier and a reused code → 401 invalid_grant", async () => {
    const native = sandbox.info.clients.find((c) => c.type === "native");
    if (!native) throw new Error("no native client");
    const verifier = randomBytes(32).toString("base64url");
    const redirectUri = "http://127.0.0.1:9/cb";
    const authorize = async () => {
      const query = new URLSearchParams({
        client_id: native.id,
        redirect_uri: redirectUri,
        scope: TRANSFER_ALL,
        response_type: "code",
        code_challenge: createHash("sha256").update(verifier).digest("base64url"),
        code_challenge_method: "S256",
      });
      const url = `${auth}v2/oauth2/authorize?${query}`;
      const page = await http(url, { redirect: "manual" });
      // Globus asks only once: with the consent already granted, it redirects at once.
      if (page.status === 302)
        return new URL(page.headers.get("location") ?? "").searchParams.get("code") ?? "";
      const requestId = /name="request_id" value="([^"]+)"/.exec(page.text)?.[1] ?? "";
      const decision = await http(new URL("authorize/decision", url).toString(), {
        form: { request_id: requestId, decision: "allow" },
        redirect: "manual",
      });
      return new URL(decision.headers.get("location") ?? "").searchParams.get("code") ?? "";
    };
    const exchange = (code: string, codeVerifier: string) =>
      http(`${auth}v2/oauth2/token`, {
        form: {
          grant_type: "authorization_code",
          code,
          code_verifier: codeVerifier,
          redirect_uri: redirectUri,
          client_id: native.id,
        },
      });
    const code = await authorize();
    const wrong = await exchange(code, randomBytes(32).toString("base64url"));
    expect(wrong.status).toBe(401);
    expect(OAuthErrorBody.parse(wrong.body).error).toBe("invalid_grant");
    const second = await authorize();
    expect((await exchange(second, verifier)).status).toBe(200);
    const reused = await exchange(second, verifier);
    expect(reused.status).toBe(401);
    expect(OAuthErrorBody.parse(reused.body).error).toBe("invalid_grant");
  });

  it("path escapes: `..` stays inside the root, a symlink out is refused, nothing is written outside", async () => {
    const outside = join(sandbox.dir, "outside");
    writeFileSync(join(sandbox.dir, "secret.txt"), "not yours\n");
    symlinkSync(sandbox.dir, join(guestRoot, "escape"));
    const listing = await http(`${transfer}operation/endpoint/${guest}/ls?path=/../../`, {
      headers: bearer(token),
    });
    expect(listing.status).toBe(200);
    expect((listing.body as { DATA: { name: string }[] }).DATA.map((f) => f.name)).toContain(
      "shared",
    );
    expectTransferError(
      await http(`${transfer}operation/endpoint/${guest}/ls?path=/escape/`, {
        headers: bearer(token),
      }),
      403,
      "EndpointPermissionDenied",
    );
    const made = await http(`${transfer}operation/endpoint/${guest}/mkdir`, {
      headers: bearer(token),
      json: { DATA_TYPE: "mkdir", path: "/escape/outside" },
    });
    expect(made.status).toBeGreaterThanOrEqual(400);
    const submitted = await http(`${transfer}transfer`, {
      headers: bearer(token),
      json: {
        DATA_TYPE: "transfer",
        submission_id: await submissionId(),
        source_endpoint: guest,
        destination_endpoint: guest,
        DATA: [
          {
            DATA_TYPE: "transfer_item",
            source_path: "/escape/secret.txt",
            destination_path: "/stolen.txt",
          },
          {
            DATA_TYPE: "transfer_item",
            source_path: "/shared/welcome.txt",
            destination_path: "/escape/outside/planted.txt",
          },
        ],
      },
    });
    expect(submitted.status).toBe(200);
    const taskId = (submitted.body as { task_id: string }).task_id;
    // The task does not succeed; cancel it if it is still retrying.
    const task = await waitFor(async () => {
      const doc = (await http(`${transfer}task/${taskId}`, { headers: bearer(token) })).body as {
        status: string;
        faults: number;
      };
      return doc.status !== "ACTIVE" || doc.faults > 0 ? doc : undefined;
    });
    if (task.status === "ACTIVE")
      await http(`${transfer}task/${taskId}/cancel`, { method: "POST", headers: bearer(token) });
    expect(task.status).not.toBe("SUCCEEDED");
    expect(existsSync(outside)).toBe(false);
    expect(existsSync(join(guestRoot, "stolen.txt"))).toBe(false);
    expect(readdirSync(sandbox.dir).sort()).toEqual([
      "data",
      "info.json",
      "secret.txt",
      "tokens.log",
    ]);
  });

  it("unknown paths and methods get Globus-shaped errors, and the sandbox is still up", async () => {
    expectTransferError(
      await http(`${transfer}no/such/thing`, { headers: bearer(token) }),
      404,
      "ClientError.NotFound",
    );
    const wrongMethod = await http(`${transfer}submission_id`, {
      method: "DELETE",
      headers: bearer(token),
    });
    expect(wrongMethod.status).toBe(405);
    expect((await http(`${transfer}task_list`, { headers: bearer(token) })).status).toBe(200);
  });
});
