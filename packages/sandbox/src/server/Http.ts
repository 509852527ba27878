/**
 * The sandbox's small HTTP layer: requests parsed once, responses as data, routes matched by
 * method and path pattern. No framework: node:http is enough for a loopback test service.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { z } from "zod";

export type Service = "auth" | "transfer" | "admin";

export interface SandboxRequest {
  readonly method: string;
  /** Path inside the service, e.g. `/v0.10/task/abc` for Transfer, `/v2/oauth2/token` for Auth. */
  readonly path: string;
  readonly service: Service;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Route parameters (`:id` segments). */
  readonly params: Readonly<Record<string, string>>;
  /** Globus-style 9-character request id, echoed in error bodies. */
  readonly requestId: string;
  /** Milliseconds since the epoch when the request arrived (the sandbox clock). */
  readonly now: number;
}

export interface JsonResponse {
  readonly kind: "json";
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}
export interface HtmlResponse {
  readonly kind: "html";
  readonly status: number;
  readonly html: string;
}
export interface RedirectResponse {
  readonly kind: "redirect";
  readonly location: string;
}
export type SandboxResponse = JsonResponse | HtmlResponse | RedirectResponse;

export const json = (
  status: number,
  body: unknown,
  headers?: Readonly<Record<string, string>>,
): JsonResponse => ({ kind: "json", status, body, ...(headers ? { headers } : {}) });
export const html = (status: number, text: string): HtmlResponse => ({
  kind: "html",
  status,
  html: text,
});
export const redirect = (location: string): RedirectResponse => ({ kind: "redirect", location });

export type Handler = (request: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>;

export interface Route {
  readonly method: string;
  /** Segments; `:name` captures one segment. */
  readonly pattern: string;
  readonly handler: Handler;
  /**
   * The wire schema a 2xx JSON body must satisfy. With `checkResponses` on (tests), a body that
   * does not is a sandbox bug and answers 500 instead of lying to the client.
   */
  readonly response?: z.ZodType;
}

export const route = (
  method: string,
  pattern: string,
  handler: Handler,
  response?: z.ZodType,
): Route => ({ method, pattern, handler, ...(response ? { response } : {}) });

const splitPatterns = new Map<string, readonly string[]>();
/** A pattern's segments, split once: matching runs on every request. */
const patternParts = (pattern: string): readonly string[] => {
  let parts = splitPatterns.get(pattern);
  if (parts === undefined) {
    parts = pattern.split("/").filter((s) => s.length > 0);
    splitPatterns.set(pattern, parts);
  }
  return parts;
};

/** Finds the route for a method and path, and the `:name` captures. */
export const matchRoute = (
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | { methodNotAllowed: boolean } => {
  const segments = path.split("/").filter((s) => s.length > 0);
  let pathMatched = false;
  for (const candidate of routes) {
    const parts = patternParts(candidate.pattern);
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      const part = parts[i] ?? "";
      const segment = segments[i] ?? "";
      if (part.startsWith(":")) params[part.slice(1)] = decodeURIComponent(segment);
      else ok = part === segment;
    }
    if (!ok) continue;
    pathMatched = true;
    if (candidate.method === method) return { route: candidate, params };
  }
  return { methodNotAllowed: pathMatched };
};

const REQUEST_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A 9-character alphanumeric id, as every recorded Transfer response has. */
export const makeRequestId = (random: () => number): string => {
  let id = "";
  for (let i = 0; i < 9; i++)
    id += REQUEST_ID_ALPHABET[Math.floor(random() * REQUEST_ID_ALPHABET.length)];
  return id;
};

/** The bearer token of a request, if it has one. */
export const bearerToken = (request: SandboxRequest): string | undefined => {
  const header = request.headers.authorization;
  if (typeof header !== "string") return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
};

/** HTTP Basic credentials, if present and well formed. */
export const basicCredentials = (
  request: SandboxRequest,
): { id: string; secret: string } | undefined => {
  const header = request.headers.authorization;
  if (typeof header !== "string") return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
};

/** Parses a JSON body; `undefined` when it is not JSON. */
export const jsonBody = (request: SandboxRequest): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(request.body.toString("utf8")) };
  } catch {
    return { ok: false };
  }
};

/** Parses an `application/x-www-form-urlencoded` body. */
export const formBody = (request: SandboxRequest): URLSearchParams =>
  new URLSearchParams(request.body.toString("utf8"));
