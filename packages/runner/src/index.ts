/**
 * @transflow/runner: every effect of transflow. Workflow file loading is also available alone as
 * `@transflow/runner/workflow`, which does not load Effect.
 */
export * from "./workflow/index.ts";
