/**
 * The published JSON Schema of workflow files, generated from the zod schema (draft-7: what
 * editors' YAML and JSON language servers understand best).
 */
import { z } from "zod";
import { WorkflowSchema } from "./WorkflowSchema.ts";

export const workflowJsonSchema = (): Record<string, unknown> => ({
  ...z.toJSONSchema(WorkflowSchema, { io: "input", target: "draft-7" }),
  title: "transflow workflow",
});
