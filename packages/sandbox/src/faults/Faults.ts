/**
 * Fault injection for tests: rules matched by method and path that answer 403/429/5xx (with
 * Retry-After), delay, reset the connection, or expire the caller's token; and a budget of
 * transient task faults. Every random choice comes from the seeded generator: same seed, same faults.
 */
import type { FaultRuleConfig, TaskFaultConfig } from "../config/SandboxConfig.ts";

export interface FaultRule extends FaultRuleConfig {
  readonly id: number;
  readonly pattern: RegExp;
  /** Requests this rule matched and acted on. */
  hits: number;
}

export type FaultDecision =
  | { readonly kind: "none" }
  | {
      readonly kind: "status";
      readonly status: number;
      readonly retryAfterSeconds?: number;
      readonly rule: number;
    }
  | { readonly kind: "delay"; readonly ms: number; readonly rule: number }
  | { readonly kind: "reset"; readonly rule: number }
  | { readonly kind: "expireToken"; readonly rule: number };

/** `*` matches within one path segment, `**` across segments. */
export const pathPattern = (pattern: string): RegExp => {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? "";
    if (c === "*" && pattern[i + 1] === "*") {
      source += ".*";
      i++;
    } else if (c === "*") {
      source += "[^/]*";
    } else {
      source += c.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`);
};

export class Faults {
  private rules: FaultRule[] = [];
  private nextId = 1;
  private readonly random: () => number;
  private taskFaultsLeft = 0;
  private taskFaultCode = "CONNECTION_RESET";
  /** Task file attempts that were failed on purpose. */
  taskFaultsInjected = 0;

  constructor(
    random: () => number,
    rules: readonly FaultRuleConfig[],
    taskFaults?: TaskFaultConfig,
  ) {
    this.random = random;
    for (const rule of rules) this.add(rule);
    if (taskFaults) this.setTaskFaults(taskFaults);
  }

  add(rule: FaultRuleConfig): FaultRule {
    const added: FaultRule = {
      ...rule,
      id: this.nextId++,
      pattern: pathPattern(rule.path),
      hits: 0,
    };
    this.rules.push(added);
    return added;
  }

  remove(id: number): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
    this.taskFaultsLeft = 0;
  }

  list(): readonly FaultRule[] {
    return this.rules;
  }

  setTaskFaults(config: TaskFaultConfig): void {
    this.taskFaultsLeft = config.times;
    this.taskFaultCode = config.code;
  }

  /** The fault code for the next task file attempt, while the budget lasts. */
  takeTaskFault(): string | undefined {
    if (this.taskFaultsLeft <= 0) return undefined;
    this.taskFaultsLeft--;
    this.taskFaultsInjected++;
    return this.taskFaultCode;
  }

  get taskFaultsRemaining(): number {
    return this.taskFaultsLeft;
  }

  /**
   * What to do with a request. The first rule that matches and fires wins. A rule limited by
   * `times` stops after that many; a `probability` rule draws from the seeded generator.
   */
  decide(method: string, path: string): FaultDecision {
    for (const rule of this.rules) {
      if (rule.method !== "*" && rule.method.toUpperCase() !== method.toUpperCase()) continue;
      if (!rule.pattern.test(path)) continue;
      if (rule.times !== undefined && rule.hits >= rule.times) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      rule.hits++;
      const action = rule.action;
      switch (action.type) {
        case "status":
          return {
            kind: "status",
            status: action.status,
            rule: rule.id,
            ...(action.retryAfterSeconds === undefined
              ? {}
              : { retryAfterSeconds: action.retryAfterSeconds }),
          };
        case "delay":
          return { kind: "delay", ms: action.ms, rule: rule.id };
        case "reset":
          return { kind: "reset", rule: rule.id };
        case "expireToken":
          return { kind: "expireToken", rule: rule.id };
      }
    }
    return { kind: "none" };
  }
}

/** The body Globus sends with an injected status (Transfer's error shape). */
export const faultBody = (
  status: number,
  requestId: string,
  resource: string,
): Record<string, string> => {
  const [code, message] =
    status === 403
      ? ["PermissionDenied", "You do not have permission to perform this operation"]
      : status === 429
        ? ["RateLimitExceeded", "Rate limit exceeded, slow down"]
        : status === 503
          ? ["ServiceUnavailable", "The service is temporarily unavailable"]
          : status === 502
            ? ["BadGateway", "Bad gateway"]
            : status === 504
              ? ["GatewayTimeout", "Gateway timeout"]
              : ["InternalError", "An internal error occurred"];
  return { code, message, request_id: requestId, resource };
};
