/**
 * `startSandbox(config)`: the HTTP server on 127.0.0.1 that puts Auth under `/auth/`, Transfer
 * under `/transfer/` and the admin API under `/sandbox/`, with fault injection, rate limiting,
 * request counting and (for tests) a check of every response against the wire schemas.
 */
import { randomInt } from "node:crypto";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { dirname, join } from "node:path";
import { AuthErrorBody, OAuthErrorBody, TransferErrorBody } from "@transflow/core/globus";
import { adminRoutes } from "./admin/AdminApi.ts";
import { makeAuthService } from "./auth/AuthService.ts";
import { defaultConfig } from "./config/defaultConfig.ts";
import { SandboxConfig, type SandboxConfigInput } from "./config/SandboxConfig.ts";
import { Faults, faultBody } from "./faults/Faults.ts";
import { RateLimiter } from "./faults/RateLimit.ts";
import { makeContext, type ResolvedCollection, type SandboxContext } from "./server/Context.ts";
import {
  bearerToken,
  json,
  makeRequestId,
  matchRoute,
  type Route,
  type SandboxRequest,
  type SandboxResponse,
  type Service,
} from "./server/Http.ts";
import { resolveCollectionPath } from "./storage/CollectionFs.ts";
import { TaskManager } from "./transfer/TaskManager.ts";
import { resourceOf } from "./transfer/TransferErrors.ts";
import { transferRoutes } from "./transfer/TransferService.ts";

/** Requests larger than this are refused: a transfer document of ~1M items fits. */
const MAX_BODY_BYTES = 256 * 1024 * 1024;

export interface StartOptions {
  /** Overrides the config's data dir. */
  readonly dataDir?: string;
  /** Overrides the config's port (0 = any free port). */
  readonly port?: number;
  /** Validate every 2xx body against the wire schema of its route (tests turn this on). */
  readonly checkResponses?: boolean;
  /** Where to report a response that failed that check; defaults to stderr. */
  readonly onWireViolation?: (message: string) => void;
  /**
   * Sees every access and refresh token issued. For leak tests only: a test scans what a client
   * printed and wrote for these values.
   */
  readonly onTokenIssued?: (token: string) => void;
}

export interface SandboxInfo {
  readonly authUrl: string;
  readonly transferUrl: string;
  readonly adminUrl: string;
  readonly clients: readonly { id: string; name: string; type: string; secret?: string }[];
  readonly identity: { id: string; username: string; name: string; email: string };
  readonly collections: readonly {
    id: string;
    displayName: string;
    entityType: string;
    highAssurance: boolean;
    localRoot: string | null;
  }[];
}

export interface RunningSandbox {
  readonly port: number;
  readonly info: SandboxInfo;
  /** `KEY=value` lines a shell can eval (and transflow and the Globus SDKs read). */
  readonly env: Readonly<Record<string, string>>;
  readonly context: SandboxContext;
  close(): Promise<void>;
}

const readBody = (request: IncomingMessage): Promise<Buffer | "too-large"> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve("too-large");
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });

const serviceOf = (pathname: string): { service: Service; path: string } | undefined => {
  for (const [prefix, service] of [
    ["/auth", "auth"],
    ["/transfer", "transfer"],
    ["/sandbox", "admin"],
  ] as const) {
    if (pathname === prefix || pathname.startsWith(`${prefix}/`)) {
      return { service, path: pathname.slice(prefix.length) || "/" };
    }
  }
  return undefined;
};

const notFound = (request: SandboxRequest): SandboxResponse =>
  request.service === "auth"
    ? json(404, {
        errors: [
          {
            status: "404",
            code: "NOT_FOUND",
            title: "Not Found",
            detail: `No such path ${request.path}`,
          },
        ],
        error: "not_found",
        error_description: "Not Found",
      })
    : json(404, {
        code: "ClientError.NotFound",
        message: `No such resource ${request.path}`,
        request_id: request.requestId,
        resource: resourceOf(request),
      });

const send = (res: ServerResponse, response: SandboxResponse): void => {
  switch (response.kind) {
    case "json": {
      const body = JSON.stringify(response.body);
      res.writeHead(response.status, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        ...response.headers,
      });
      res.end(body);
      return;
    }
    case "html":
      res.writeHead(response.status, {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        "x-frame-options": "DENY",
      });
      res.end(response.html);
      return;
    case "redirect":
      res.writeHead(302, { location: response.location, "cache-control": "no-store" });
      res.end();
      return;
  }
};

/** Creates every collection root and the seed files that are missing (existing files are kept). */
const seedCollections = async (ctx: SandboxContext): Promise<void> => {
  await mkdir(ctx.dataDir, { recursive: true });
  for (const collection of ctx.collections.values()) {
    if (collection.localRoot === undefined) continue;
    await mkdir(collection.localRoot, { recursive: true });
    await mkdir(homeDirOf(collection), { recursive: true });
    for (const [path, content] of Object.entries(collection.seed)) {
      const resolved = await resolveCollectionPath(
        { root: collection.localRoot, home: collection.home },
        path,
      );
      if (!resolved.ok)
        throw new Error(
          `seed path ${path} of ${collection.displayName} is not inside the collection`,
        );
      const exists = await stat(resolved.local).then(
        () => true,
        () => false,
      );
      if (exists) continue;
      await mkdir(dirname(resolved.local), { recursive: true });
      await writeFile(resolved.local, content);
    }
  }
};

const homeDirOf = (c: ResolvedCollection): string =>
  join(c.localRoot ?? "", c.home.replace(/^\/+/, ""));

/** Starts the sandbox. Without a config, the shipped default (four collections, sample files). */
export const startSandbox = async (
  input: SandboxConfigInput = defaultConfig,
  options: StartOptions = {},
): Promise<RunningSandbox> => {
  const config = SandboxConfig.parse({
    ...input,
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.port === undefined ? {} : { port: options.port }),
  });
  const base = makeContext(config, config.dataDir);
  const ctx =
    options.onTokenIssued === undefined ? base : { ...base, onTokenIssued: options.onTokenIssued };
  await seedCollections(ctx);

  const faults = new Faults(ctx.random, config.faults, config.taskFaults);
  const auth = makeAuthService(ctx);
  const tasks = new TaskManager(ctx, auth, { take: () => faults.takeTaskFault() });
  const limiter = config.rateLimit
    ? new RateLimiter(config.rateLimit.requestsPerSecond, config.rateLimit.windowSeconds)
    : undefined;
  const requestCounts = new Map<string, number>();
  const routes: Record<Service, readonly Route[]> = {
    auth: auth.routes,
    transfer: transferRoutes({ ctx, auth, tasks }),
    admin: adminRoutes({ ctx, auth, tasks, faults, requestCounts }),
  };
  const reportViolation =
    options.onWireViolation ?? ((message: string) => process.stderr.write(`sandbox: ${message}\n`));

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Never crash on a request: answer 500 as Transfer does, without echoing anything secret.
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`sandbox: internal error: ${message}\n`);
      if (!res.headersSent) {
        send(
          res,
          json(500, {
            code: "InternalError",
            message: "An internal error occurred",
            request_id: "",
          }),
        );
      } else {
        res.destroy();
      }
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const located = serviceOf(url.pathname);
    const method = (req.method ?? "GET").toUpperCase();
    const body = await readBody(req);
    // Not from the seeded generator: ids must not shift the sequence of fault decisions.
    const requestId = makeRequestId(() => randomInt(0, 0x1_0000_0000) / 0x1_0000_0000);
    const base: Omit<SandboxRequest, "params" | "path" | "service"> = {
      method,
      query: url.searchParams,
      headers: req.headers,
      body: body === "too-large" ? Buffer.alloc(0) : body,
      requestId,
      now: ctx.now(),
    };
    if (!located) {
      send(
        res,
        json(404, {
          code: "ClientError.NotFound",
          message: `No such resource ${url.pathname}`,
          request_id: requestId,
        }),
      );
      return;
    }
    const request: SandboxRequest = {
      ...base,
      service: located.service,
      path: located.path,
      params: {},
    };
    if (body === "too-large") {
      send(
        res,
        json(413, {
          code: "ClientError.RequestEntityTooLarge",
          message: "Request body too large",
          request_id: requestId,
          resource: located.path,
        }),
      );
      return;
    }

    const match = matchRoute(routes[located.service], method, located.path);
    const countKey = `${method} /${located.service}${"route" in match ? match.route.pattern : located.path}`;
    if (located.service !== "admin")
      requestCounts.set(countKey, (requestCounts.get(countKey) ?? 0) + 1);

    if (located.service !== "admin") {
      const decision = faults.decide(method, url.pathname);
      switch (decision.kind) {
        case "status": {
          const headers: Record<string, string> =
            decision.retryAfterSeconds === undefined
              ? {}
              : { "retry-after": String(decision.retryAfterSeconds) };
          send(
            res,
            json(
              decision.status,
              faultBody(decision.status, requestId, resourceOf(request)),
              headers,
            ),
          );
          return;
        }
        case "reset":
          req.socket.destroy();
          return;
        case "delay":
          await new Promise((resolve) => setTimeout(resolve, decision.ms));
          break;
        case "expireToken": {
          const token = bearerToken(request);
          if (token) auth.expireAccessToken(token);
          break;
        }
        case "none":
          break;
      }
      if (limiter) {
        const token = bearerToken(request);
        const check = token ? auth.checkAccessToken(token, request.now) : undefined;
        const key =
          check?.status === "active"
            ? check.info.identityId
            : `ip:${req.socket.remoteAddress ?? ""}`;
        const wait = limiter.take(key, request.now);
        if (wait > 0) {
          send(
            res,
            json(429, faultBody(429, requestId, resourceOf(request)), {
              "retry-after": String(wait),
            }),
          );
          return;
        }
      }
    }

    if (!("route" in match)) {
      send(
        res,
        match.methodNotAllowed
          ? json(405, {
              code: "ClientError.MethodNotAllowed",
              message: `${method} is not allowed here`,
              request_id: requestId,
              resource: located.path,
            })
          : notFound(request),
      );
      return;
    }
    // The clock is read after fault handling: a delay or an expired token happened before the handler.
    const response = await match.route.handler({
      ...request,
      now: ctx.now(),
      params: match.params,
    });
    if (options.checkResponses === true && response.kind === "json") {
      const schema =
        response.status < 300
          ? match.route.response
          : located.service === "transfer"
            ? TransferErrorBody
            : located.service === "auth"
              ? AuthErrorBody.or(OAuthErrorBody)
              : undefined;
      if (schema) {
        const checked = schema.safeParse(response.body);
        if (!checked.success) {
          const detail = checked.error.issues
            .slice(0, 3)
            .map((i) => `${i.path.join(".")}: ${i.message}`)
            .join("; ");
          reportViolation(
            `response of ${method} ${url.pathname} does not match its wire schema: ${detail}`,
          );
          send(
            res,
            json(500, { code: "SandboxWireViolation", message: detail, request_id: requestId }),
          );
          return;
        }
      }
    }
    send(res, response);
  };

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  const person = config.identities[0];
  const info: SandboxInfo = {
    authUrl: `${origin}/auth/`,
    transferUrl: `${origin}/transfer/`,
    adminUrl: `${origin}/sandbox/`,
    clients: config.clients.map((c) => ({
      id: c.id,
      name: c.name,
      type: c.type,
      ...(c.secret === undefined ? {} : { secret: c.secret }),
    })),
    identity: {
      id: person?.id ?? "",
      username: person?.username ?? "",
      name: person?.name ?? "",
      email: person?.email ?? "",
    },
    collections: [...ctx.collections.values()].map((c) => ({
      id: c.id,
      displayName: c.displayName,
      entityType: c.entityType,
      highAssurance: c.highAssurance,
      localRoot: c.localRoot ?? null,
    })),
  };
  const confidential = config.clients.find((c) => c.type === "confidential");
  const native = config.clients.find((c) => c.type === "native");
  const env: Record<string, string> = {
    GLOBUS_SDK_SERVICE_URL_AUTH: info.authUrl,
    GLOBUS_SDK_SERVICE_URL_TRANSFER: info.transferUrl,
    TRANSFLOW_SANDBOX_URL: info.adminUrl,
    ...(confidential
      ? { TRANSFLOW_CLIENT_ID: confidential.id, TRANSFLOW_CLIENT_SECRET: confidential.secret ?? "" }
      : {}),
    ...(native ? { TRANSFLOW_NATIVE_CLIENT_ID: native.id } : {}),
  };
  return {
    port,
    info,
    env,
    context: ctx,
    close: async () => {
      await tasks.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
};
