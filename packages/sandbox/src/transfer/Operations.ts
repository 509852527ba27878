/**
 * Transfer's synchronous file operations on a collection: ls (with filter, orderby and paging),
 * stat, mkdir and rename, with the error codes real Transfer answers.
 */
import {
  FileDocument,
  FileList,
  MkdirRequest,
  MkdirResult,
  OperationResult,
  RenameRequest,
} from "@transflow/core/globus";
import type { ResolvedCollection } from "../server/Context.ts";
import {
  json,
  jsonBody,
  type Route,
  route,
  type SandboxRequest,
  type SandboxResponse,
} from "../server/Http.ts";
import {
  type FileOpProblem,
  type FileDocument as LocalFileDocument,
  listGlobusDirectory,
  mkdirGlobusPath,
  renameGlobusPath,
  statGlobusPath,
} from "../storage/CollectionFs.ts";
import { compileGlob } from "./FilterRules.ts";
import { badRequest, resourceOf, transferError } from "./TransferErrors.ts";
import {
  type Caller,
  collectionForData,
  type TransferDeps,
  withCaller,
} from "./TransferService.ts";

const LS_MAX = 100_000;

const rootOf = (c: ResolvedCollection) => ({ root: c.localRoot ?? "", home: c.home });

/** How a failed file operation reads on the wire, per operation. */
const problemResponse = (
  request: SandboxRequest,
  operation: "ls" | "stat" | "mkdir" | "rename",
  problem: FileOpProblem,
  path: string,
): SandboxResponse => {
  switch (problem) {
    case "invalid":
      return badRequest(request, `Invalid path '${path}'`);
    case "escape":
    case "permission-denied":
      return operation === "mkdir"
        ? transferError(
            request,
            502,
            "ExternalError.MkdirFailed.PermissionDenied",
            `Permission denied creating ${path}`,
          )
        : transferError(
            request,
            403,
            "EndpointPermissionDenied",
            `Denied by endpoint, Error (${operation})\nPath: ${path}`,
          );
    case "not-found":
      // stat's recorded code is NotFound (Python SDK fixture); ls uses the documented ClientError.NotFound.
      return transferError(
        request,
        404,
        operation === "stat" ? "NotFound" : "ClientError.NotFound",
        `Path not found, Error (${operation === "ls" ? "list" : operation})\nPath: ${path}`,
      );
    case "exists":
      return transferError(
        request,
        502,
        operation === "rename"
          ? "ExternalError.RenameFailed.Exists"
          : "ExternalError.MkdirFailed.Exists",
        `Path already exists, Error (${operation})\nPath: ${path}`,
      );
    case "not-a-directory":
      return transferError(
        request,
        502,
        "ExternalError.DirListingFailed.NotDirectory",
        `Not a directory, Error (list)\nPath: ${path}`,
      );
  }
};

type FileDoc = LocalFileDocument;

/** `filter=name:~*.png/type:dir` (repeatable): name (=exact, ~glob, ! negates), type, size. */
const fileFilter = (filters: readonly string[]): ((f: FileDoc) => boolean) | { error: string } => {
  const tests: ((f: FileDoc) => boolean)[] = [];
  for (const clause of filters.flatMap((f) => f.split("/")).filter((c) => c.length > 0)) {
    const colon = clause.indexOf(":");
    if (colon <= 0) return { error: `Invalid filter '${clause}'` };
    const key = clause.slice(0, colon);
    const values = clause.slice(colon + 1).split(",");
    if (key === "name") {
      tests.push((f) =>
        values.some((v) => {
          const negate = v.startsWith("!");
          const body = negate ? v.slice(1) : v;
          const hit = body.startsWith("~")
            ? compileGlob(body.slice(1)).test(f.name)
            : f.name === body.replace(/^=/, "");
          return negate ? !hit : hit;
        }),
      );
    } else if (key === "type") {
      tests.push((f) => values.includes(f.type));
    } else if (key === "size" || key === "last_modified") {
      const [low = "", high = ""] = values;
      const parse = (v: string) =>
        key === "size" ? Number(v) : Date.parse(`${v.replace(" ", "T")}Z`);
      const from = low === "" ? Number.NEGATIVE_INFINITY : parse(low);
      const to = high === "" ? Number.POSITIVE_INFINITY : parse(high);
      if (Number.isNaN(from) || Number.isNaN(to)) return { error: `Invalid range in '${clause}'` };
      tests.push((f) => {
        const v = key === "size" ? f.size : Date.parse(f.last_modified.replace(" ", "T"));
        return v >= from && v <= to;
      });
    } else {
      return { error: `Unsupported filter field '${key}'` };
    }
  }
  return (f) => tests.every((t) => t(f));
};

const fileOrder = (orderby: string): ((a: FileDoc, b: FileDoc) => number) | { error: string } => {
  const keys: { field: "name" | "type" | "size" | "last_modified"; direction: number }[] = [];
  for (const part of orderby
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p.length > 0)) {
    const [field = "", dir = "ASC"] = part.split(/\s+/);
    if (!["name", "type", "size", "last_modified"].includes(field) || !/^(ASC|DESC)$/i.test(dir)) {
      return { error: `Invalid orderby '${part}'` };
    }
    keys.push({ field: field as "name", direction: dir.toUpperCase() === "DESC" ? -1 : 1 });
  }
  if (keys.length === 0) keys.push({ field: "name", direction: 1 });
  return (a, b) => {
    for (const { field, direction } of keys) {
      if (a[field] === b[field]) continue;
      return (a[field] < b[field] ? -1 : 1) * direction;
    }
    return 0;
  };
};

export const operationRoutes = (deps: TransferDeps): Route[] => {
  /** The collection of `/operation/endpoint/:id/...`, checked for consent and policy. */
  const target = (request: SandboxRequest, caller: Caller) =>
    collectionForData(deps, request, caller, request.params.id ?? "");

  const ls = async (request: SandboxRequest, caller: Caller): Promise<SandboxResponse> => {
    const found = target(request, caller);
    if (!found.ok) return found.response;
    const requested = request.query.get("path") ?? "/~/";
    const showHidden =
      request.query.get("show_hidden") !== "0" && request.query.get("show_hidden") !== "false";
    const limitRaw = request.query.get("limit");
    const offsetRaw = request.query.get("offset");
    const limit = limitRaw === null ? LS_MAX : Number(limitRaw);
    const offset = offsetRaw === null ? 0 : Number(offsetRaw);
    if (!Number.isInteger(limit) || limit < 0 || !Number.isInteger(offset) || offset < 0) {
      return badRequest(request, "limit and offset must be non-negative integers");
    }
    const filter = fileFilter(request.query.getAll("filter"));
    if (typeof filter !== "function") return badRequest(request, filter.error);
    const order = fileOrder(request.query.get("orderby") ?? "");
    if (typeof order !== "function") return badRequest(request, order.error);
    const listed = await listGlobusDirectory(rootOf(found.collection), requested, { showHidden });
    if (!listed.ok) return problemResponse(request, "ls", listed.reason, requested);
    const files = listed.files.filter(filter).sort(order);
    const page = files.slice(offset, offset + Math.min(limit, LS_MAX));
    return json(200, {
      DATA_TYPE: "file_list",
      DATA: page,
      absolute_path: null,
      endpoint: found.collection.id,
      length: page.length,
      // Transfer echoes the path as asked, with a trailing slash.
      path: requested.endsWith("/") ? requested : `${requested}/`,
      rename_supported: true,
      symlink_supported: true,
      total: files.length,
    });
  };

  const stat = async (request: SandboxRequest, caller: Caller): Promise<SandboxResponse> => {
    const found = target(request, caller);
    if (!found.ok) return found.response;
    const path = request.query.get("path");
    if (path === null || path === "") return badRequest(request, "path is required");
    const result = await statGlobusPath(rootOf(found.collection), path);
    return result.ok
      ? json(200, result.file)
      : problemResponse(request, "stat", result.reason, path);
  };

  const mkdir = async (request: SandboxRequest, caller: Caller): Promise<SandboxResponse> => {
    const body = jsonBody(request);
    if (!body.ok) return badRequest(request, "Invalid JSON in request body");
    const parsed = MkdirRequest.safeParse(body.value);
    if (!parsed.success)
      return badRequest(
        request,
        `Invalid mkdir document: ${parsed.error.issues[0]?.message ?? ""}`,
      );
    const found = target(request, caller);
    if (!found.ok) return found.response;
    const result = await mkdirGlobusPath(rootOf(found.collection), parsed.data.path);
    if (!result.ok) return problemResponse(request, "mkdir", result.reason, parsed.data.path);
    return json(200, {
      DATA_TYPE: "mkdir_result",
      code: "DirectoryCreated",
      message: "The directory was created successfully",
      request_id: request.requestId,
      resource: resourceOf(request),
    });
  };

  const rename = async (request: SandboxRequest, caller: Caller): Promise<SandboxResponse> => {
    const body = jsonBody(request);
    if (!body.ok) return badRequest(request, "Invalid JSON in request body");
    const parsed = RenameRequest.safeParse(body.value);
    if (!parsed.success)
      return badRequest(
        request,
        `Invalid rename document: ${parsed.error.issues[0]?.message ?? ""}`,
      );
    const found = target(request, caller);
    if (!found.ok) return found.response;
    const { old_path, new_path } = parsed.data;
    const result = await renameGlobusPath(rootOf(found.collection), old_path, new_path);
    if (!result.ok)
      return problemResponse(
        request,
        "rename",
        result.reason,
        result.reason === "exists" ? new_path : old_path,
      );
    return json(200, {
      DATA_TYPE: "result",
      code: "FileRenamed",
      message: "File or directory renamed successfully",
      request_id: request.requestId,
      resource: resourceOf(request),
    });
  };

  return [
    route("GET", "/v0.10/operation/endpoint/:id/ls", withCaller(deps, ls), FileList),
    route("GET", "/v0.10/operation/endpoint/:id/stat", withCaller(deps, stat), FileDocument),
    route("POST", "/v0.10/operation/endpoint/:id/mkdir", withCaller(deps, mkdir), MkdirResult),
    route(
      "POST",
      "/v0.10/operation/endpoint/:id/rename",
      withCaller(deps, rename),
      OperationResult,
    ),
  ];
};
