/**
 * TypeScript authoring: `export default defineWorkflow({...})`. The types come from the zod schema;
 * on top of them the collection aliases used by steps must be declared under `collections`, so a
 * misspelt alias is a compile error. At run time it returns its argument untouched (checked later).
 */
import type { z } from "zod";
import type {
  CollectionSchema,
  DeleteStepSchema,
  MkdirStepSchema,
  StepSchema,
  TransferStepSchema,
  WorkflowInput,
} from "./WorkflowSchema.ts";

type StepBase = Omit<z.input<typeof StepSchema>, "transfer" | "delete" | "mkdir">;

/** A step whose collection fields may only name the aliases `A`. */
export type StepDefinition<A extends string> = StepBase &
  (
    | {
        transfer: Omit<z.input<typeof TransferStepSchema>, "source" | "destination"> & {
          source: A;
          destination: A;
        };
        delete?: never;
        mkdir?: never;
      }
    | {
        delete: Omit<z.input<typeof DeleteStepSchema>, "collection"> & { collection: A };
        transfer?: never;
        mkdir?: never;
      }
    | {
        mkdir: Omit<z.input<typeof MkdirStepSchema>, "collection"> & { collection: A };
        transfer?: never;
        delete?: never;
      }
  );

/** A workflow written in TypeScript, typed by its own collection aliases `A`. */
export type WorkflowDefinition<A extends string> = Omit<WorkflowInput, "collections" | "steps"> & {
  collections: Record<A, z.input<typeof CollectionSchema>>;
  steps: StepDefinition<NoInfer<A>>[];
};

/**
 * Declares a workflow in TypeScript with full typing (aliases, options, option types).
 * @example
 * export default defineWorkflow({ version: 1, name: "copy", collections: {...}, steps: [...] })
 */
export const defineWorkflow = <const A extends string>(
  workflow: WorkflowDefinition<A>,
): WorkflowDefinition<A> => workflow;
