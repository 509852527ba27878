/**
 * The sandbox's own API under `/sandbox/` (never part of Globus's paths): state for assertions
 * ("exactly one task per batch", "how many requests did that cost") and fault rules at run time.
 */
import type { AuthService } from "../auth/AuthTypes.ts";
import { FaultRuleConfig, TaskFaultConfig } from "../config/SandboxConfig.ts";
import type { Faults } from "../faults/Faults.ts";
import type { SandboxContext } from "../server/Context.ts";
import { json, jsonBody, type Route, route, type SandboxRequest } from "../server/Http.ts";
import { isoTime, type TaskManager } from "../transfer/TaskManager.ts";

export interface AdminDeps {
  readonly ctx: SandboxContext;
  readonly auth: AuthService;
  readonly tasks: TaskManager;
  readonly faults: Faults;
  /** `METHOD /service/pattern` → count, shared with the server. */
  readonly requestCounts: Map<string, number>;
}

const bad = (message: string) => json(400, { error: "bad_request", message });

const parseBody = <T>(
  request: SandboxRequest,
  schema: {
    safeParse(
      v: unknown,
    ): { success: true; data: T } | { success: false; error: { message: string } };
  },
) => {
  const body = jsonBody(request);
  if (!body.ok) return { ok: false as const, response: bad("the body must be JSON") };
  const parsed = schema.safeParse(body.value);
  return parsed.success
    ? { ok: true as const, value: parsed.data }
    : { ok: false as const, response: bad(parsed.error.message) };
};

export const adminRoutes = (deps: AdminDeps): Route[] => {
  const { tasks, faults, requestCounts, auth } = deps;
  return [
    route("GET", "/state", () => {
      const all = tasks.all();
      const byEndpoint = Object.fromEntries([...requestCounts.entries()].sort());
      return json(200, {
        tasks: all.map((t) => ({
          task_id: t.taskId,
          type: t.spec.type,
          status: t.status,
          nice_status: t.niceStatus,
          submission_id: t.spec.submissionId,
          owner_id: t.spec.ownerId,
          label: t.spec.label,
          request_time: isoTime(t.requestTime),
          files_transferred: t.counters.files_transferred,
          bytes_transferred: t.counters.bytes_transferred,
          faults: t.counters.faults,
        })),
        submissionIds: all.map((t) => t.spec.submissionId),
        requests: {
          total: [...requestCounts.values()].reduce((a, b) => a + b, 0),
          byEndpoint,
        },
        faults: faults.list().map((r) => ({
          id: r.id,
          name: r.name ?? null,
          method: r.method,
          path: r.path,
          action: r.action,
          hits: r.hits,
        })),
        taskFaults: { injected: faults.taskFaultsInjected, remaining: faults.taskFaultsRemaining },
        auth: auth.stats(),
      });
    }),
    route("POST", "/requests/reset", () => {
      requestCounts.clear();
      return json(200, { reset: true });
    }),
    route("GET", "/faults", () =>
      json(200, { faults: faults.list().map(({ pattern: _pattern, ...rule }) => rule) }),
    ),
    route("POST", "/faults", (request) => {
      const parsed = parseBody(request, FaultRuleConfig);
      if (!parsed.ok) return parsed.response;
      const rule = faults.add(parsed.value);
      return json(201, { id: rule.id });
    }),
    route("DELETE", "/faults", () => {
      faults.clear();
      return json(200, { cleared: true });
    }),
    route("DELETE", "/faults/:id", (request) => {
      const removed = faults.remove(Number(request.params.id));
      return removed
        ? json(200, { removed: true })
        : json(404, { error: "not_found", message: "no such fault rule" });
    }),
    route("POST", "/task-faults", (request) => {
      const parsed = parseBody(request, TaskFaultConfig);
      if (!parsed.ok) return parsed.response;
      faults.setTaskFaults(parsed.value);
      return json(200, { remaining: faults.taskFaultsRemaining });
    }),
    route("POST", "/consents/revoke", (request) => {
      const body = jsonBody(request);
      const value = body.ok ? (body.value as Record<string, unknown>) : {};
      const { clientId, identityId, collectionId } = value;
      if (
        typeof clientId !== "string" ||
        typeof identityId !== "string" ||
        typeof collectionId !== "string"
      ) {
        return bad("give clientId, identityId and collectionId");
      }
      auth.revokeDataAccessConsent(clientId, identityId, collectionId);
      return json(200, { revoked: true });
    }),
  ];
};
