/**
 * TransferApi's calls over a fake HttpClient: the exact request each sends (method, path, query,
 * body, headers), the recorded fixtures each decodes, Duplicate and mkdir-Exists as success,
 * consent errors, and retries that resend a submission with its submission id.
 */

import { describe, expect, it } from "@effect/vitest";
import { documentJson } from "@transflow/core";
import { DeleteRequest, type SubmissionResult, TransferRequest } from "@transflow/core/globus";
import { Effect, Layer } from "effect";
import { AuthApi } from "../../src/globus/AuthApi.ts";
import { AuthTokens } from "../../src/globus/AuthTokens.ts";
import {
  TransferApi,
  type TransferApiShape,
  taskListFilter,
} from "../../src/globus/TransferApi.ts";
import {
  type Canned,
  clientEnv,
  type FakeHttp,
  fixture,
  type Handler,
  httpLayer,
  makeFakeHttp,
  runWithClock,
  type SeenRequest,
  tokenResponse,
} from "./support.ts";

const TOKEN_PATH = "/v2/oauth2/token";
const BASE = "https://transfer.test.example";
const TASK_ID = "b8872740-7edc-11ec-9f33-ed182a728dff";
const COLLECTION = "c0ffee00-0000-4000-8000-000000000004";

const TRANSFER_DOCUMENT = TransferRequest.parse(fixture("transfer/submit_transfer_request"));
const DELETE_DOCUMENT = DeleteRequest.parse(fixture("transfer/submit_delete_request"));
const TRANSFER_RESULT = fixture("transfer/submit_transfer") as SubmissionResult;
const DELETE_RESULT = fixture("transfer/submit_delete") as SubmissionResult;

/** The services over a fake server: Auth hands out `token-n`, Transfer answers with `handler`. */
const layerOver = (fake: FakeHttp) => {
  const auth = AuthApi.layer.pipe(Layer.provideMerge(httpLayer(fake)));
  const tokens = AuthTokens.layerFromEnv(clientEnv).pipe(Layer.provideMerge(auth));
  // Spacing is tested on its own (TransferApiRateLimit.test.ts).
  return TransferApi.layerWith({ maxRequestsPerSecond: undefined }).pipe(
    Layer.provideMerge(tokens),
  );
};

/** Runs `use` against a fake Transfer; returns its outcome and the Transfer requests seen. */
const exchange = <A, E>(
  handler: Handler,
  use: (transfer: TransferApiShape) => Effect.Effect<A, E>,
) =>
  Effect.gen(function* () {
    const fake = yield* makeFakeHttp((request, attempt) =>
      request.url.pathname === TOKEN_PATH
        ? { status: 200, json: tokenResponse(`token-${attempt}`) }
        : handler(request, attempt),
    );
    const result = yield* Effect.gen(function* () {
      return yield* runWithClock(Effect.either(use(yield* TransferApi)));
    }).pipe(Effect.provide(layerOver(fake)));
    const requests = (yield* fake.requests.get).filter((r) => r.url.pathname !== TOKEN_PATH);
    return { result, requests };
  });

const ok = (json: unknown): Canned => ({ status: 200, json });

/** method, URL without the host, and the parsed JSON body (undefined when none). */
const wire = (request: SeenRequest) => [
  request.method,
  `${request.url.pathname}${request.url.search}`,
  request.body === "" ? undefined : JSON.parse(request.body),
];

const right = <A, E>(result: { _tag: "Right"; right: A } | { _tag: "Left"; left: E }): A => {
  if (result._tag === "Left") throw new Error(`expected success, got ${String(result.left)}`);
  return result.right;
};

const left = <A, E>(result: { _tag: "Right"; right: A } | { _tag: "Left"; left: E }): E => {
  if (result._tag === "Right") throw new Error("expected a failure");
  return result.left;
};

describe("TransferApi.submissionId", () => {
  it.effect("GETs /v0.10/submission_id with the bearer token and returns its value", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* exchange(
        () => ok(fixture("transfer/get_submission_id")),
        (t) => t.submissionId(),
      );
      expect(right(result)).toBe("5902daab-ffea-4e83-84f6-f69e5f8b7bb3");
      expect(requests.map(wire)).toEqual([["GET", "/v0.10/submission_id", undefined]]);
      expect(requests[0]?.headers.authorization).toBe("Bearer token-1");
      expect(requests[0]?.headers.accept).toBe("application/json");
    }),
  );
});

describe("TransferApi.submitTransfer / submitDelete", () => {
  it.effect("POSTs the transfer document as JSON and reads the submission result", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* exchange(
        () => ok(TRANSFER_RESULT),
        (t) => t.submitTransfer(documentJson(TRANSFER_DOCUMENT)),
      );
      expect(right(result)).toEqual({
        taskId: TRANSFER_RESULT.task_id,
        submissionId: TRANSFER_RESULT.submission_id,
        code: "Accepted",
        requestId: "7HgMVYazI",
      });
      expect(requests.map(wire)).toEqual([["POST", "/v0.10/transfer", TRANSFER_DOCUMENT]]);
      const body = JSON.parse(requests[0]?.body ?? "{}");
      expect([body.DATA_TYPE, body.submission_id]).toEqual([
        "transfer",
        "5902daab-ffea-4e83-84f6-f69e5f8b7bb3",
      ]);
      expect(requests[0]?.headers["content-type"]).toBe("application/json");
      expect(requests[0]?.headers.authorization).toBe("Bearer token-1");
    }),
  );

  it.effect("POSTs the delete document to /v0.10/delete", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* exchange(
        () => ok(DELETE_RESULT),
        (t) => t.submitDelete(documentJson(DELETE_DOCUMENT)),
      );
      expect(right(result)).toEqual({
        taskId: "6b0aed60-575c-11eb-87bb-02187389bd35",
        submissionId: DELETE_DOCUMENT.submission_id,
        code: "Accepted",
        requestId: "sIGJoWevc",
      });
      expect(requests.map(wire)).toEqual([["POST", "/v0.10/delete", DELETE_DOCUMENT]]);
      expect(JSON.parse(requests[0]?.body ?? "{}").DATA_TYPE).toBe("delete");
    }),
  );

  it.effect("treats Duplicate as success with the first task's id", () =>
    Effect.gen(function* () {
      const duplicate = {
        ...DELETE_RESULT,
        code: "Duplicate",
        message: "A delete with this submission id was already submitted",
      } satisfies SubmissionResult;
      const { result } = yield* exchange(
        () => ok(duplicate),
        (t) => t.submitDelete(documentJson(DELETE_DOCUMENT)),
      );
      expect(right(result)).toMatchObject({
        code: "Duplicate",
        taskId: DELETE_RESULT.task_id,
        submissionId: DELETE_DOCUMENT.submission_id,
      });
    }),
  );

  it.effect("retries a lost or refused submit with the same body and submission id", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* exchange(
        (_, attempt) =>
          attempt === 1
            ? "reset"
            : attempt === 2
              ? {
                  status: 503,
                  json: { code: "ServiceUnavailable", message: "down", request_id: "r2" },
                  headers: { "retry-after": "3" },
                }
              : attempt === 3
                ? { status: 500, json: fixture("errors/transfer_internal_error") }
                : ok({ ...TRANSFER_RESULT, code: "Duplicate" }),
        (t) => t.submitTransfer(documentJson(TRANSFER_DOCUMENT)),
      );
      // The first attempt may have been accepted before the connection dropped: Duplicate it is.
      expect(right(result).code).toBe("Duplicate");
      expect(requests).toHaveLength(4);
      const bodies = requests.map((r) => JSON.parse(r.body));
      for (const body of bodies) expect(body).toEqual(TRANSFER_DOCUMENT);
      expect(new Set(bodies.map((b) => b.submission_id))).toEqual(
        new Set([TRANSFER_DOCUMENT.submission_id]),
      );
    }),
  );

  it.effect("resends a submit once with a fresh token after a 401", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* exchange(
        (_, attempt) =>
          attempt === 1
            ? { status: 401, json: fixture("errors/transfer_authentication_failed") }
            : ok(TRANSFER_RESULT),
        (t) => t.submitTransfer(documentJson(TRANSFER_DOCUMENT)),
      );
      expect(right(result).code).toBe("Accepted");
      expect(requests.map((r) => r.headers.authorization)).toEqual([
        "Bearer token-1",
        "Bearer token-2",
      ]);
      expect(requests[0]?.body).toBe(requests[1]?.body);
    }),
  );

  it.effect("fails fast on a 400 (NoTransferItems)", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* exchange(
        () => ({ status: 400, json: fixture("errors/transfer_no_transfer_items") }),
        (t) => t.submitTransfer(documentJson(TRANSFER_DOCUMENT)),
      );
      const error = left(result);
      expect(error._tag === "GlobusApiError" && [error.status, error.code]).toEqual([
        400,
        "ClientError.BadRequest.NoTransferItems",
      ]);
      expect(requests).toHaveLength(1);
    }),
  );

  it.effect("reports a result that is not a submission result", () =>
    Effect.gen(function* () {
      const { result } = yield* exchange(
        () => ok({ ...TRANSFER_RESULT, code: "Accpeted" }),
        (t) => t.submitTransfer(documentJson(TRANSFER_DOCUMENT)),
      );
      expect(left(result)._tag).toBe("GlobusResponseError");
    }),
  );
});

describe("TransferApi consent errors", () => {
  it.effect("a 403 ConsentRequired is a ConsentRequiredError with its scopes, not retried", () =>
    Effect.gen(function* () {
      const body = fixture("errors/consent_required") as { required_scopes: string[] };
      const { result, requests } = yield* exchange(
        () => ({ status: 403, json: body }),
        (t) => t.submitTransfer(documentJson(TRANSFER_DOCUMENT)),
      );
      const error = left(result);
      expect(error._tag).toBe("ConsentRequiredError");
      expect(error._tag === "ConsentRequiredError" && error.requiredScopes).toEqual(
        body.required_scopes,
      );
      expect(requests).toHaveLength(1);
    }),
  );

  it.effect("a GARE asking for scopes under another code is a ConsentRequiredError too", () =>
    Effect.gen(function* () {
      const scope = `urn:globus:auth:scope:transfer.api.globus.org:all[*https://auth.globus.org/scopes/${COLLECTION}/data_access]`;
      const { result } = yield* exchange(
        () => ({
          status: 403,
          json: {
            code: "AuthorizationRequired",
            message: "More consent is needed",
            request_id: "gare00001",
            authorization_parameters: { required_scopes: [scope], session_message: "consent" },
          },
        }),
        (t) => t.mkdir(COLLECTION, "/~/new"),
      );
      const error = left(result);
      expect(
        error._tag === "ConsentRequiredError" && [error.requiredScopes, error.requestId],
      ).toEqual([[scope], "gare00001"]);
    }),
  );

  it.effect("a session-policy GARE without scopes stays a GlobusApiError with its body", () =>
    Effect.gen(function* () {
      const { result } = yield* exchange(
        () => ({ status: 403, json: fixture("errors/auth_policy_failed") }),
        (t) => t.getTask(TASK_ID),
      );
      const error = left(result);
      expect(error._tag === "GlobusApiError" && error.code).toBe("AuthPolicyFailed");
      expect(error._tag === "GlobusApiError" && error.body).toMatchObject({
        authorization_parameters: { session_message: "Failing collection authentication policy" },
      });
    }),
  );
});

describe("TransferApi.mkdir", () => {
  it.effect("POSTs a mkdir document to the collection's mkdir operation", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* exchange(
        () => ok(fixture("transfer/operation_mkdir")),
        (t) => t.mkdir(COLLECTION, "/~/new dir/"),
      );
      expect(right(result)).toBe("created");
      expect(requests.map(wire)).toEqual([
        [
          "POST",
          `/v0.10/operation/endpoint/${COLLECTION}/mkdir`,
          { DATA_TYPE: "mkdir", path: "/~/new dir/" },
        ],
      ]);
    }),
  );

  it.effect("treats 502 ExternalError.MkdirFailed.Exists as success, without retrying", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* exchange(
        () => ({
          status: 502,
          json: {
            code: "ExternalError.MkdirFailed.Exists",
            message: "Path already exists, Error (mkdir)",
            request_id: "exists001",
            resource: `/operation/endpoint/${COLLECTION}/mkdir`,
          },
        }),
        (t) => t.mkdir(COLLECTION, "/~/new"),
      );
      expect(right(result)).toBe("exists");
      expect(requests).toHaveLength(1);
    }),
  );

  it.effect("fails with other mkdir errors", () =>
    Effect.gen(function* () {
      const { result } = yield* exchange(
        () => ({
          status: 502,
          json: {
            code: "ExternalError.MkdirFailed.PermissionDenied",
            message: "Permission denied",
            request_id: "denied001",
          },
        }),
        (t) => t.mkdir(COLLECTION, "/root/x"),
      );
      const error = left(result);
      expect(error._tag === "GlobusApiError" && error.code).toBe(
        "ExternalError.MkdirFailed.PermissionDenied",
      );
    }),
  );
});

describe("TransferApi task calls", () => {
  it.effect.each([
    ["get_task", "ACTIVE", null],
    ["get_task_succeeded", "SUCCEEDED", null],
    ["get_task_delete_queued", "ACTIVE", null],
    ["get_task_delete_succeeded", "SUCCEEDED", null],
    ["get_task_delete_failed", "FAILED", "FILE_NOT_FOUND"],
  ] as const)("getTask decodes %s", ([name, status, fatal]) =>
    Effect.gen(function* () {
      const body = fixture(`transfer/${name}`) as { task_id: string };
      const { result, requests } = yield* exchange(
        () => ok(body),
        (t) => t.getTask(body.task_id),
      );
      const task = right(result);
      expect([task.task_id, task.status, task.fatal_error?.code ?? null]).toEqual([
        body.task_id,
        status,
        fatal,
      ]);
      expect(requests.map(wire)).toEqual([["GET", `/v0.10/task/${body.task_id}`, undefined]]);
    }),
  );

  it.effect("getTask keeps the progress fields the monitor reads", () =>
    Effect.gen(function* () {
      const { result } = yield* exchange(
        () => ok(fixture("transfer/get_task")),
        (t) => t.getTask(TASK_ID),
      );
      const task = right(result);
      for (const field of [
        "nice_status",
        "bytes_transferred",
        "files",
        "files_transferred",
        "subtasks_total",
        "subtasks_succeeded",
        "deadline",
        "fatal_error",
      ] as const) {
        expect(task).toHaveProperty(field);
      }
    }),
  );

  it.effect("getTask reports 404 TaskNotFound without retrying", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* exchange(
        () => ({
          status: 404,
          json: { code: "TaskNotFound", message: `Task ID ${TASK_ID} not found`, request_id: "nf" },
        }),
        (t) => t.getTask(TASK_ID),
      );
      expect(left(result)._tag).toBe("GlobusApiError");
      expect(requests).toHaveLength(1);
    }),
  );

  it.effect("listTasks sends limit, offset, orderby and filter, and decodes the page", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* exchange(
        () => ok(fixture("transfer/task_list")),
        (t) =>
          t.listTasks({
            limit: 1000,
            offset: 0,
            orderby: "request_time DESC",
            filter: { taskIds: [TASK_ID], types: ["TRANSFER", "DELETE"] },
          }),
      );
      const page = right(result);
      expect([page.total, page.DATA.length]).toEqual([1, 1]);
      const url = requests[0]?.url;
      expect([url?.pathname, Object.fromEntries(url?.searchParams ?? [])]).toEqual([
        "/v0.10/task_list",
        {
          limit: "1000",
          offset: "0",
          orderby: "request_time DESC",
          filter: `task_id:${TASK_ID}/type:TRANSFER,DELETE`,
        },
      ]);
    }),
  );

  it.effect("listTasks without options sends no query", () =>
    Effect.gen(function* () {
      const { requests } = yield* exchange(
        () => ok(fixture("transfer/task_list")),
        (t) => t.listTasks(),
      );
      expect(requests.map(wire)).toEqual([["GET", "/v0.10/task_list", undefined]]);
    }),
  );

  it.effect("cancelTask POSTs no body and returns the result code", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* exchange(
        () => ok(fixture("transfer/cancel_task")),
        (t) => t.cancelTask(TASK_ID),
      );
      expect(right(result)).toBe("Canceled");
      expect(requests.map(wire)).toEqual([["POST", `/v0.10/task/${TASK_ID}/cancel`, undefined]]);
    }),
  );

  it.effect("cancelTask of a finished task answers TaskComplete", () =>
    Effect.gen(function* () {
      const { result } = yield* exchange(
        () =>
          ok({
            DATA_TYPE: "result",
            code: "TaskComplete",
            message: "The task completed before the cancel request was processed.",
            resource: `/task/${TASK_ID}/cancel`,
            request_id: "done00001",
          }),
        (t) => t.cancelTask(TASK_ID),
      );
      expect(right(result)).toBe("TaskComplete");
    }),
  );

  it.effect("taskEvents pages with limit/offset and filters errors with is_error:1", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* exchange(
        () => ok(fixture("transfer/task_event_list")),
        (t) =>
          Effect.zip(
            t.taskEvents(TASK_ID, { limit: 10, offset: 0, errorsOnly: true }),
            t.taskEvents(TASK_ID),
          ),
      );
      const [events] = right(result);
      expect(events.DATA.map((e) => e.code)).toEqual(["CANCELED", "PERMISSION_DENIED", "STARTED"]);
      expect(requests.map((r) => `${r.url.pathname}${decodeURIComponent(r.url.search)}`)).toEqual([
        `/v0.10/task/${TASK_ID}/event_list?limit=10&offset=0&filter=is_error:1`,
        `/v0.10/task/${TASK_ID}/event_list`,
      ]);
    }),
  );

  it.effect("successfulTransfers follows the marker", () =>
    Effect.gen(function* () {
      const { result, requests } = yield* exchange(
        () => ok(fixture("transfer/endpoint_manager_task_successful_transfers")),
        (t) => Effect.zip(t.successfulTransfers(TASK_ID), t.successfulTransfers(TASK_ID, 93979)),
      );
      const [page] = right(result);
      expect([page.marker, page.next_marker, page.DATA[0]?.source_path]).toEqual([
        0,
        93979,
        "/path/to/source",
      ]);
      expect(requests.map((r) => `${r.url.pathname}${r.url.search}`)).toEqual([
        `/v0.10/task/${TASK_ID}/successful_transfers`,
        `/v0.10/task/${TASK_ID}/successful_transfers?marker=93979`,
      ]);
    }),
  );

  it.effect("encodes ids in paths", () =>
    Effect.gen(function* () {
      const { requests } = yield* exchange(
        () => ({ status: 404, json: { code: "TaskNotFound", message: "no" } }),
        (t) => t.getTask("a/b"),
      );
      expect(requests[0]?.url.href).toBe(`${BASE}/v0.10/task/a%2Fb`);
    }),
  );
});

describe("taskListFilter", () => {
  it("joins clauses with / and values with , as globus-cli does", () => {
    expect(
      taskListFilter({
        taskIds: ["a", "b"],
        statuses: ["ACTIVE", "INACTIVE"],
        types: ["TRANSFER"],
        labels: ["~nightly", "!~test"],
        requestTime: { from: "2024-01-01 00:00:00" },
        completionTime: { to: "2024-02-01 00:00:00" },
      }),
    ).toBe(
      "task_id:a,b/status:ACTIVE,INACTIVE/type:TRANSFER/label:~nightly,!~test/" +
        "request_time:2024-01-01 00:00:00,/completion_time:,2024-02-01 00:00:00",
    );
  });

  it("leaves out empty clauses", () => {
    expect(taskListFilter({})).toBeUndefined();
    expect(taskListFilter({ statuses: [], requestTime: {} })).toBeUndefined();
  });
});
