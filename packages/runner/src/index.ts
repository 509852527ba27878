/**
 * @transflow/runner: every effect of transflow. Workflow file loading is also available alone as
 * `@transflow/runner/workflow`, which does not load Effect.
 */
export * from "./auth/index.ts";
export * from "./execute/index.ts";
export * from "./globus/index.ts";
export type { GatheredPlanFacts, GatherPlanFactsInput } from "./plan/PlanFacts.ts";
export { gatherPlanFacts } from "./plan/PlanFacts.ts";
export * from "./run/index.ts";
export * from "./workflow/index.ts";
