/**
 * Globus Transfer v0.10 routes: authentication and consent checks, submission ids, submitting and
 * following tasks, collection documents and search. File operations live in Operations.ts.
 */
import { randomUUID } from "node:crypto";
import { isAbsoluteGlobusPath } from "@transflow/core";
import {
  CancelResult,
  EndpointDocument,
  EndpointList,
  EventList,
  filterScopes,
  SkippedErrors,
  SubmissionId,
  SubmissionResult,
  SuccessfulTransfers,
  TaskDocument,
  TaskList,
  DeleteRequest as WireDeleteRequest,
  TransferRequest as WireTransferRequest,
} from "@transflow/core/globus";
import type { z } from "zod";
import {
  type AccessTokenInfo,
  type AuthService,
  TRANSFER_RESOURCE_SERVER,
} from "../auth/AuthTypes.ts";
import type { ResolvedCollection, SandboxContext } from "../server/Context.ts";
import {
  bearerToken,
  json,
  jsonBody,
  type Route,
  route,
  type SandboxRequest,
  type SandboxResponse,
} from "../server/Http.ts";
import { parseChecksumAlgorithm } from "./Checksum.ts";
import { endpointDocument, searchCollections } from "./Endpoints.ts";
import { operationRoutes } from "./Operations.ts";
import { eventDocuments, markerPage, offsetPage, taskDocument } from "./TaskDocuments.ts";
import { needsDataAccess, type Task, type TaskManager, type TaskSpec } from "./TaskManager.ts";
import {
  badRequest,
  consentRequired,
  endpointNotFound,
  resourceOf,
  transferError,
} from "./TransferErrors.ts";

/** An authenticated Transfer request: the token's facts, never the token. */
export interface Caller {
  readonly token: AccessTokenInfo;
  /** The raw bearer token, kept only to let fault injection expire it. */
  readonly bearer: string;
}

export type Authenticated = (
  request: SandboxRequest,
  caller: Caller,
) => SandboxResponse | Promise<SandboxResponse>;

export interface TransferDeps {
  readonly ctx: SandboxContext;
  readonly auth: AuthService;
  readonly tasks: TaskManager;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Page size of marker-paged lists. */
const SUCCESSFUL_TRANSFERS_PAGE = 1000;

/** 401 as Transfer sends it (the JS SDK keys session handling off code `AuthenticationFailed`). */
const authenticationFailed = (request: SandboxRequest, message: string) =>
  transferError(request, 401, "AuthenticationFailed", message);

export const authenticate = (
  deps: TransferDeps,
  request: SandboxRequest,
): { ok: true; caller: Caller } | { ok: false; response: SandboxResponse } => {
  const bearer = bearerToken(request);
  if (bearer === undefined) {
    return { ok: false, response: authenticationFailed(request, "No credentials supplied") };
  }
  const check = deps.auth.checkAccessToken(bearer, request.now);
  if (check.status !== "active") {
    return { ok: false, response: authenticationFailed(request, "Token is not active") };
  }
  if (check.info.resourceServer !== TRANSFER_RESOURCE_SERVER) {
    return {
      ok: false,
      response: authenticationFailed(request, "Token is not valid for this resource server"),
    };
  }
  return { ok: true, caller: { token: check.info, bearer } };
};

/** Wraps a handler so it runs only for a valid Transfer token. */
export const withCaller =
  (deps: TransferDeps, handler: Authenticated) =>
  (request: SandboxRequest): SandboxResponse | Promise<SandboxResponse> => {
    const result = authenticate(deps, request);
    return result.ok ? handler(request, result.caller) : result.response;
  };

/**
 * Checks that the caller may use a collection for data: it exists, is not a GCSv5 endpoint,
 * the data_access consent is held for a mapped collection, and a high-assurance collection has a
 * recent enough login. Returns the error response, or the collection.
 */
export const collectionForData = (
  deps: TransferDeps,
  request: SandboxRequest,
  caller: Caller,
  id: string,
): { ok: true; collection: ResolvedCollection } | { ok: false; response: SandboxResponse } => {
  const collection = deps.ctx.collections.get(id);
  if (!collection) return { ok: false, response: endpointNotFound(request, id) };
  if (collection.localRoot === undefined) {
    return {
      ok: false,
      response: transferError(
        request,
        400,
        "ClientError.BadRequest",
        `'${id}' is a ${collection.entityType}, not a collection: use one of its collections`,
      ),
    };
  }
  const { token } = caller;
  if (needsDataAccess(collection)) {
    if (!deps.auth.hasDataAccessConsent(token.clientId, token.identityId, collection.id)) {
      return { ok: false, response: consentRequired(request, collection.id) };
    }
  }
  if (collection.highAssurance) {
    const maxAge = collection.authenticationTimeoutMins * 60_000;
    const recent = token.authTime !== undefined && request.now - token.authTime <= maxAge;
    if (token.isClientIdentity || !recent) {
      const message = token.isClientIdentity
        ? "High-assurance collections require a person's recent login; a client identity cannot satisfy it"
        : "Session reauthentication required (Globus Transfer)";
      return {
        ok: false,
        response: transferError(request, 403, "AuthPolicyFailed", message, {
          authorization_parameters: {
            session_message: message,
            session_required_identities: token.isClientIdentity ? [] : [token.identityId],
            session_required_mfa: false,
            prompt: "login",
          },
        }),
      };
    }
  }
  return { ok: true, collection };
};

// --- submission ids -----------------------------------------------------------------------------

interface SubmissionRecord {
  readonly ownerId: string;
  taskId: string | undefined;
}

// --- validation ---------------------------------------------------------------------------------

/** A zod failure as Globus words a bad document: one line naming the property. */
const describeIssues = (error: z.ZodError): string => {
  const issue = error.issues[0];
  if (!issue) return "Invalid request body";
  const where = issue.path.length > 0 ? ` for property '${issue.path.join(".")}'` : "";
  if (issue.code === "unrecognized_keys") return `Unknown property '${issue.keys.join("', '")}'`;
  return `Invalid value${where}: ${issue.message}`;
};

/** Globus's deadline formats; a bad one is a 400. */
const parseDeadline = (
  value: string | undefined,
  now: number,
  defaultMs: number,
): number | undefined => {
  if (value === undefined) return now + defaultMs;
  const normalized = value.trim().replace(" ", "T");
  const withZone =
    /([zZ]|[+-]\d{2}:?\d{2})$/.test(normalized) || !normalized.includes("T")
      ? normalized
      : `${normalized}Z`;
  const parsed = Date.parse(withZone);
  return Number.isNaN(parsed) ? undefined : parsed;
};

const badPath = (request: SandboxRequest, property: string, path: string) =>
  transferError(
    request,
    400,
    "ClientError.BadRequest.ResourcePropertyValueError",
    `invalid value '${path}' for property '${property}': a path must be absolute or start with ~`,
  );

// --- the routes ---------------------------------------------------------------------------------

export const transferRoutes = (deps: TransferDeps): Route[] => {
  const { ctx, tasks } = deps;
  const submissions = new Map<string, SubmissionRecord>();

  const submissionResult = (
    request: SandboxRequest,
    kind: "transfer" | "delete",
    code: "Accepted" | "Duplicate",
    submissionId: string,
    taskId: string,
  ) =>
    // 200 for both, as the SDKs' recorded test data has it (202 vs 200 is unconfirmed).
    json(200, {
      DATA_TYPE: `${kind}_result`,
      code,
      message:
        code === "Accepted"
          ? `The ${kind} has been accepted and a task has been created and queued for execution`
          : `A ${kind} with id '${submissionId}' was already submitted`,
      request_id: request.requestId,
      resource: resourceOf(request),
      submission_id: submissionId,
      task_id: taskId,
      task_link: {
        DATA_TYPE: "link",
        href: `task/${taskId}?format=json`,
        rel: "related",
        resource: "task",
        title: "related task",
      },
    });

  /** Parses a submit body; answers Duplicate for a used submission id before anything else. */
  const readSubmission = <S extends z.ZodType<{ submission_id: string; DATA_TYPE: string }>>(
    request: SandboxRequest,
    caller: Caller,
    schema: S,
    kind: "transfer" | "delete",
  ): { ok: true; body: z.output<S> } | { ok: false; response: SandboxResponse } => {
    const parsedJson = jsonBody(request);
    if (!parsedJson.ok)
      return { ok: false, response: badRequest(request, "Invalid JSON in request body") };
    const raw = parsedJson.value as {
      DATA_TYPE?: unknown;
      DATA?: unknown;
      submission_id?: unknown;
    };
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      return { ok: false, response: badRequest(request, "The request body must be a JSON object") };
    }
    if (raw.DATA_TYPE !== kind) {
      return {
        ok: false,
        response: badRequest(
          request,
          `Expected DATA_TYPE '${kind}', got '${String(raw.DATA_TYPE)}'`,
        ),
      };
    }
    if (Array.isArray(raw.DATA) && raw.DATA.length === 0) {
      return {
        ok: false,
        response: transferError(
          request,
          400,
          "ClientError.BadRequest.NoTransferItems",
          `A ${kind} requires at least one item`,
        ),
      };
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success)
      return { ok: false, response: badRequest(request, describeIssues(parsed.error)) };
    const record = submissions.get(parsed.data.submission_id);
    if (!record || record.ownerId !== caller.token.identityId) {
      return {
        ok: false,
        response: badRequest(
          request,
          `Invalid submission_id '${parsed.data.submission_id}': get one from GET /submission_id`,
        ),
      };
    }
    if (record.taskId !== undefined) {
      return {
        ok: false,
        response: submissionResult(
          request,
          kind,
          "Duplicate",
          parsed.data.submission_id,
          record.taskId,
        ),
      };
    }
    return { ok: true, body: parsed.data };
  };

  const notify = (body: {
    notify_on_succeeded?: boolean | undefined;
    notify_on_failed?: boolean | undefined;
    notify_on_inactive?: boolean | undefined;
  }) => ({
    succeeded: body.notify_on_succeeded ?? true,
    failed: body.notify_on_failed ?? true,
    inactive: body.notify_on_inactive ?? true,
  });

  const accept = (request: SandboxRequest, kind: "transfer" | "delete", spec: TaskSpec) => {
    const task = tasks.submit(spec);
    const record = submissions.get(spec.submissionId);
    if (record) record.taskId = task.taskId;
    return submissionResult(request, kind, "Accepted", spec.submissionId, task.taskId);
  };

  const submitTransfer: Authenticated = (request, caller) => {
    const read = readSubmission(request, caller, WireTransferRequest, "transfer");
    if (!read.ok) return read.response;
    const body = read.body;
    const source = collectionForData(deps, request, caller, body.source_endpoint);
    if (!source.ok) return source.response;
    const destination = collectionForData(deps, request, caller, body.destination_endpoint);
    if (!destination.ok) return destination.response;
    for (const [i, item] of body.DATA.entries()) {
      if (!isAbsoluteGlobusPath(item.source_path))
        return badPath(request, `DATA[${i}].source_path`, item.source_path);
      if (!isAbsoluteGlobusPath(item.destination_path)) {
        return badPath(request, `DATA[${i}].destination_path`, item.destination_path);
      }
      if (
        item.checksum_algorithm !== undefined &&
        parseChecksumAlgorithm(item.checksum_algorithm) === undefined
      ) {
        return badRequest(
          request,
          `DATA[${i}]: unsupported checksum_algorithm '${item.checksum_algorithm}'`,
        );
      }
      if (item.recursive === true && item.external_checksum !== undefined) {
        return badRequest(
          request,
          `DATA[${i}]: external_checksum cannot be used with a recursive item`,
        );
      }
    }
    const deadline = parseDeadline(body.deadline, request.now, DAY_MS);
    if (deadline === undefined) return badRequest(request, `Invalid deadline '${body.deadline}'`);
    if (body.delete_destination_extra === true && !body.DATA.some((i) => i.recursive !== false)) {
      return badRequest(request, "delete_destination_extra requires a recursive item");
    }
    return accept(request, "transfer", {
      type: "TRANSFER",
      ownerId: caller.token.identityId,
      clientId: caller.token.clientId,
      username: usernameOf(ctx, caller),
      submissionId: body.submission_id,
      label: body.label ?? null,
      deadline,
      source: source.collection,
      destination: destination.collection,
      notify: notify(body),
      transfer: {
        syncLevel: body.sync_level ?? null,
        // Documented default false (the Python SDK docstring); globus-cli always sends true.
        verifyChecksum: body.verify_checksum ?? false,
        preserveTimestamp: body.preserve_timestamp ?? false,
        encryptData: body.encrypt_data ?? false,
        skipSourceErrors: body.skip_source_errors ?? false,
        failOnQuotaErrors: body.fail_on_quota_errors ?? false,
        deleteDestinationExtra: body.delete_destination_extra ?? false,
        filterRules:
          body.filter_rules === undefined
            ? null
            : body.filter_rules.map((r) => ({
                method: r.method,
                name: r.name,
                ...(r.type === undefined ? {} : { type: r.type }),
              })),
        checksumAlgorithm: undefined,
        items: body.DATA.map((i) => ({
          sourcePath: i.source_path,
          destinationPath: i.destination_path,
          ...(i.recursive === undefined ? {} : { recursive: i.recursive }),
          ...(i.external_checksum === undefined ? {} : { externalChecksum: i.external_checksum }),
          ...(i.checksum_algorithm === undefined
            ? {}
            : { checksumAlgorithm: i.checksum_algorithm }),
        })),
      },
    });
  };

  const submitDelete: Authenticated = (request, caller) => {
    const read = readSubmission(request, caller, WireDeleteRequest, "delete");
    if (!read.ok) return read.response;
    const body = read.body;
    const collection = collectionForData(deps, request, caller, body.endpoint);
    if (!collection.ok) return collection.response;
    for (const [i, item] of body.DATA.entries()) {
      if (!isAbsoluteGlobusPath(item.path)) return badPath(request, `DATA[${i}].path`, item.path);
    }
    // Delete tasks get 24 hours and are never extended (task_behavior).
    const deadline = parseDeadline(body.deadline, request.now, DAY_MS);
    if (deadline === undefined) return badRequest(request, `Invalid deadline '${body.deadline}'`);
    return accept(request, "delete", {
      type: "DELETE",
      ownerId: caller.token.identityId,
      clientId: caller.token.clientId,
      username: usernameOf(ctx, caller),
      submissionId: body.submission_id,
      label: body.label ?? null,
      deadline,
      source: collection.collection,
      destination: null,
      notify: notify(body),
      delete: {
        recursive: body.recursive ?? false,
        ignoreMissing: body.ignore_missing ?? false,
        interpretGlobs: body.interpret_globs ?? false,
        items: body.DATA.map((i) => ({ path: i.path })),
      },
    });
  };

  const ownTask = (
    request: SandboxRequest,
    caller: Caller,
  ): { ok: true; task: Task } | { ok: false; response: SandboxResponse } => {
    const id = request.params.id ?? "";
    const task = tasks.get(id);
    if (!task || task.spec.ownerId !== caller.token.identityId) {
      return {
        ok: false,
        response: transferError(request, 404, "TaskNotFound", `Task ID ${id} not found`),
      };
    }
    return { ok: true, task };
  };

  const intParam = (request: SandboxRequest, name: string, fallback: number, max: number) => {
    const raw = request.query.get(name);
    if (raw === null || raw === "") return fallback;
    const n = Number(raw);
    return Number.isInteger(n) && n >= 0 ? Math.min(n, max) : Number.NaN;
  };

  const taskList: Authenticated = (request, caller) => {
    const limit = intParam(request, "limit", 10, 1000);
    const offset = intParam(request, "offset", 0, Number.MAX_SAFE_INTEGER);
    if (Number.isNaN(limit) || Number.isNaN(offset)) {
      return badRequest(request, "limit and offset must be non-negative integers");
    }
    const filter = parseTaskFilter(request.query.get("filter") ?? "");
    if ("error" in filter) return badRequest(request, filter.error);
    const mine = tasks
      .all()
      .filter((t) => t.spec.ownerId === caller.token.identityId)
      .map((t) => taskDocument(t, request.now))
      .filter(filter.test);
    const order = parseOrderBy(request.query.get("orderby") ?? "request_time DESC");
    if ("error" in order) return badRequest(request, order.error);
    mine.sort(order.compare);
    return json(200, { DATA_TYPE: "task_list", ...offsetPage(mine, offset, limit) });
  };

  const eventList: Authenticated = (request, caller) => {
    const found = ownTask(request, caller);
    if (!found.ok) return found.response;
    const limit = intParam(request, "limit", 10, 1000);
    const offset = intParam(request, "offset", 0, Number.MAX_SAFE_INTEGER);
    if (Number.isNaN(limit) || Number.isNaN(offset)) {
      return badRequest(request, "limit and offset must be non-negative integers");
    }
    let events = eventDocuments(found.task);
    const filter = request.query.get("filter") ?? "";
    const errorsOnly = /(^|\/)is_error:1(\/|$)/.test(filter);
    if (errorsOnly) events = events.filter((e) => e.is_error === true);
    return json(200, { DATA_TYPE: "event_list", ...offsetPage(events, offset, limit) });
  };

  const markerOf = (request: SandboxRequest) =>
    intParam(request, "marker", 0, Number.MAX_SAFE_INTEGER);

  /** A task's marker-paged list (`successful_transfers`, `skipped_errors`). */
  const markerList =
    (dataType: string, itemsOf: (task: Task) => readonly unknown[]): Authenticated =>
    (request, caller) => {
      const found = ownTask(request, caller);
      if (!found.ok) return found.response;
      const marker = markerOf(request);
      if (Number.isNaN(marker)) return badRequest(request, "marker must be a non-negative integer");
      return json(200, {
        DATA_TYPE: dataType,
        ...markerPage(itemsOf(found.task), marker, SUCCESSFUL_TRANSFERS_PAGE),
      });
    };

  return [
    route(
      "GET",
      "/v0.10/submission_id",
      withCaller(deps, (_request, caller) => {
        const value = randomUUID();
        submissions.set(value, { ownerId: caller.token.identityId, taskId: undefined });
        return json(200, { DATA_TYPE: "submission_id", value });
      }),
      SubmissionId,
    ),
    route("POST", "/v0.10/transfer", withCaller(deps, submitTransfer), SubmissionResult),
    route("POST", "/v0.10/delete", withCaller(deps, submitDelete), SubmissionResult),
    route(
      "GET",
      "/v0.10/task/:id",
      withCaller(deps, (request, caller) => {
        const found = ownTask(request, caller);
        return found.ok ? json(200, taskDocument(found.task, request.now)) : found.response;
      }),
      TaskDocument,
    ),
    route("GET", "/v0.10/task_list", withCaller(deps, taskList), TaskList),
    route(
      "POST",
      "/v0.10/task/:id/cancel",
      withCaller(deps, (request, caller) => {
        const found = ownTask(request, caller);
        if (!found.ok) return found.response;
        const code = tasks.cancel(found.task);
        return json(200, {
          DATA_TYPE: "result",
          code,
          message:
            code === "Canceled"
              ? "The task has been cancelled successfully."
              : "The task completed before the cancel request was processed.",
          resource: resourceOf(request),
          request_id: request.requestId,
        });
      }),
      CancelResult,
    ),
    route("GET", "/v0.10/task/:id/event_list", withCaller(deps, eventList), EventList),
    route(
      "GET",
      "/v0.10/task/:id/successful_transfers",
      withCaller(
        deps,
        markerList("successful_transfers", (task) =>
          task.successfulTransfers.map((t) => ({
            DATA_TYPE: "successful_transfer",
            source_path: t.source_path,
            destination_path: t.destination_path,
          })),
        ),
      ),
      SuccessfulTransfers,
    ),
    route(
      "GET",
      "/v0.10/task/:id/skipped_errors",
      withCaller(
        deps,
        markerList("skipped_errors", (task) => task.skippedErrors),
      ),
      SkippedErrors,
    ),
    route(
      "GET",
      "/v0.10/endpoint/:id",
      withCaller(deps, (request) => {
        const id = request.params.id ?? "";
        const collection = ctx.collections.get(id);
        return collection
          ? json(200, endpointDocument(ctx, collection))
          : endpointNotFound(request, id);
      }),
      EndpointDocument,
    ),
    route(
      "GET",
      "/v0.10/endpoint_search",
      withCaller(deps, (request, caller) => {
        const scope = request.query.get("filter_scope") ?? "all";
        if (!(filterScopes as readonly string[]).includes(scope)) {
          return badRequest(request, `Invalid filter_scope '${scope}'`);
        }
        const fulltext = request.query.get("filter_fulltext") ?? undefined;
        if (scope === "all" && (fulltext === undefined || fulltext.trim() === "")) {
          return badRequest(request, "filter_fulltext is required when filter_scope is 'all'");
        }
        const limit = intParam(request, "limit", 25, 100);
        const offset = intParam(request, "offset", 0, 1000);
        if (Number.isNaN(limit) || Number.isNaN(offset)) {
          return badRequest(request, "limit and offset must be non-negative integers");
        }
        const results = searchCollections(ctx, {
          fulltext,
          scope,
          entityType: request.query.get("filter_entity_type") ?? undefined,
          ownerId: request.query.get("filter_owner_id") ?? undefined,
          identityId: caller.token.identityId,
        }).slice(0, 1000);
        const page = results.slice(offset, offset + limit);
        return json(200, {
          DATA_TYPE: "endpoint_list",
          limit,
          offset,
          has_next_page: offset + page.length < results.length,
          DATA: page.map(({ collection, rank }) => ({
            ...endpointDocument(ctx, collection),
            _rank: rank,
          })),
        });
      }),
      EndpointList,
    ),
    ...operationRoutes(deps),
  ];
};

const usernameOf = (ctx: SandboxContext, caller: Caller): string =>
  caller.token.isClientIdentity
    ? `${caller.token.clientId}@clients.auth.globus.org`
    : (ctx.identities.get(caller.token.identityId)?.username ?? caller.token.identityId);

// --- task_list filter and orderby ---------------------------------------------------------------

type TaskDoc = Record<string, unknown>;

/**
 * `filter=task_id:a,b/status:ACTIVE/type:TRANSFER/label:~part/request_time:start,end`, as
 * globus-cli sends it. An empty filter (globus-cli sends `filter=`) matches everything.
 */
export const parseTaskFilter = (
  filter: string,
): { test: (doc: TaskDoc) => boolean } | { error: string } => {
  const tests: ((doc: TaskDoc) => boolean)[] = [];
  for (const clause of filter.split("/").filter((c) => c.length > 0)) {
    const colon = clause.indexOf(":");
    if (colon <= 0) return { error: `Invalid filter clause '${clause}'` };
    const key = clause.slice(0, colon);
    const values = clause.slice(colon + 1).split(",");
    switch (key) {
      case "task_id":
      case "status":
      case "type":
        tests.push((doc) => values.includes(String(doc[key])));
        break;
      case "label":
        tests.push((doc) => {
          const label = typeof doc.label === "string" ? doc.label : "";
          return values.every((v) => {
            if (v.startsWith("!~")) return !label.includes(v.slice(2));
            if (v.startsWith("~")) return label.includes(v.slice(1));
            if (v.startsWith("!")) return label !== v.slice(1).replace(/^=/, "");
            return label === v.replace(/^=/, "");
          });
        });
        break;
      case "request_time":
      case "completion_time": {
        const [start = "", end = ""] = values;
        const from =
          start === "" ? Number.NEGATIVE_INFINITY : Date.parse(`${start.replace(" ", "T")}Z`);
        const to = end === "" ? Number.POSITIVE_INFINITY : Date.parse(`${end.replace(" ", "T")}Z`);
        if (Number.isNaN(from) || Number.isNaN(to))
          return { error: `Invalid time range in '${clause}'` };
        tests.push((doc) => {
          const at = typeof doc[key] === "string" ? Date.parse(doc[key] as string) : Number.NaN;
          return !Number.isNaN(at) && at >= from && at <= to;
        });
        break;
      }
      default:
        return { error: `Unsupported filter field '${key}'` };
    }
  }
  return { test: (doc) => tests.every((t) => t(doc)) };
};

/** `orderby=request_time DESC,label` style ordering. */
export const parseOrderBy = (
  orderby: string,
): { compare: (a: TaskDoc, b: TaskDoc) => number } | { error: string } => {
  const keys: { field: string; direction: number }[] = [];
  for (const part of orderby
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p.length > 0)) {
    const [field = "", dir = "ASC"] = part.split(/\s+/);
    if (!/^[a-z_]+$/.test(field) || !/^(ASC|DESC)$/i.test(dir))
      return { error: `Invalid orderby '${part}'` };
    keys.push({ field, direction: dir.toUpperCase() === "DESC" ? -1 : 1 });
  }
  return {
    compare: (a, b) => {
      for (const { field, direction } of keys) {
        const x = a[field];
        const y = b[field];
        if (x === y) continue;
        if (x === null || x === undefined) return direction;
        if (y === null || y === undefined) return -direction;
        return (x < y ? -1 : 1) * direction;
      }
      return 0;
    },
  };
};
