/**
 * The workflow language: one zod schema that is the source of truth for the TypeScript types, the
 * YAML/JSON form and the published JSON Schema (`packages/core/schema/workflow.schema.json`).
 * Names are ours (camelCase, Globus's words); wire spellings live in `../globus/` only.
 */
import { z } from "zod";

/** An alias, step id or input name: short, stable, usable in `${{ inputs.x }}`. */
const Identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, {
    error: "must start with a letter or _ and contain only letters, digits, _ and -",
  })
  .max(64);

/**
 * A path on a collection. Globus paths are absolute (`/data/run1/`) or home-relative (`~/run1`);
 * a trailing slash is kept, as Globus keeps it.
 */
const CollectionPath = z
  .string()
  .regex(/^(\/|~$|~\/)/, {
    error: 'must be an absolute path on the collection (start with "/" or "~/")',
  })
  .describe('An absolute path on the collection ("/data/run1/") or home-relative ("~/run1").');

/** Globus Transfer's label rule: at most 128 characters, no line breaks, no surrounding spaces. */
const Label = z
  .string()
  .min(1)
  .max(128, { error: "a Globus task label has at most 128 characters" })
  .regex(/^(?!\s)[^\r\n]*(?<!\s)$/, {
    error: "a Globus task label has no line breaks and no leading or trailing spaces",
  })
  .describe("Task label shown in the Globus web app (at most 128 characters, one line).");

const Deadline = z
  .string()
  .regex(/^(\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?|\d+[mhd])$/, {
    error:
      'must be an ISO 8601 date or date-time ("2026-12-01", "2026-12-01T18:00:00Z") or a duration from submission ("90m", "12h", "2d")',
  })
  .describe(
    'When Globus gives up on the task: an ISO 8601 date or date-time, or a duration counted from submission ("12h", "2d").',
  );

export const collectionKinds = [
  "mapped",
  "guest",
  "personal",
  "personal-guest",
  "gcsv4",
  "gcsv4-share",
] as const;

export const CollectionKind = z
  .enum(collectionKinds)
  .describe(
    "What the collection is, as Globus's entity_type says: mapped (GCSv5_mapped_collection), guest (GCSv5_guest_collection), personal (GCP_mapped_collection), personal-guest (GCP_guest_collection), gcsv4 (GCSv4_host), gcsv4-share (GCSv4_share). Used when the collection cannot be looked up.",
  );

export const CollectionSchema = z
  .strictObject({
    id: z.uuid({ error: "must be a Globus collection UUID" }).describe("The collection's UUID."),
    name: z.string().min(1).optional().describe("Display name, for humans."),
    description: z.string().optional(),
    kind: CollectionKind.optional(),
    highAssurance: z
      .boolean()
      .optional()
      .describe("Whether the collection is high assurance (needs a recent authentication)."),
  })
  .describe("A Globus collection the workflow reads or writes.");

export const InputSchema = z
  .strictObject({
    type: z.enum(["string", "number", "boolean"]).default("string"),
    description: z.string().optional(),
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  })
  .superRefine((input, ctx) => {
    if (input.default !== undefined && typeof input.default !== input.type) {
      ctx.addIssue({
        code: "custom",
        path: ["default"],
        message: `the default must be a ${input.type}`,
      });
    }
  })
  .describe("A value given at run time with --input name=value; required unless it has a default.");

const NotifySchema = z
  .union(
    [
      z.boolean(),
      z.strictObject({
        succeeded: z.boolean().optional(),
        failed: z.boolean().optional(),
        inactive: z.boolean().optional(),
      }),
    ],
    { error: "must be true, false, or a mapping of succeeded, failed, inactive to true/false" },
  )
  .describe(
    "Globus e-mail notifications: true/false for all, or per outcome. Globus sends all three when unset.",
  );

export const FilterRuleSchema = z
  .strictObject({
    include: z.string().min(1).optional().describe("Glob (* ? [] [!]) of names to include."),
    exclude: z.string().min(1).optional().describe("Glob (* ? [] [!]) of names to exclude."),
    type: z
      .enum(["file", "dir"])
      .optional()
      .describe("Apply the rule to files or directories only; both when unset."),
  })
  .superRefine((rule, ctx) => {
    if ((rule.include === undefined) === (rule.exclude === undefined)) {
      ctx.addIssue({
        code: "custom",
        message: "a filter rule has exactly one of include or exclude",
      });
    }
  })
  .describe("Checked in order, first match wins; unmatched names are included.");

const checksumAlgorithm = z
  .string()
  .regex(/^[A-Za-z0-9-]+$/)
  .describe("Checksum algorithm name as the collection knows it (MD5 when unset).");

/** Options of a Globus transfer task, settable per step or in `defaults.transfer`. */
export const TransferOptionsSchema = z.strictObject({
  label: Label.optional(),
  syncLevel: z
    .enum(["exists", "size", "mtime", "checksum"])
    .optional()
    .describe(
      "Skip files already at the destination: exists, same size, newer mtime, same checksum. Unset: copy everything.",
    ),
  verifyChecksum: z
    .boolean()
    .optional()
    .describe("Verify each file's checksum after copying, and re-send on mismatch."),
  preserveTimestamp: z.boolean().optional().describe("Keep the source modification times."),
  encryptData: z.boolean().optional().describe("Encrypt the data channel."),
  skipSourceErrors: z
    .boolean()
    .optional()
    .describe("Skip source paths that are missing or unreadable instead of failing."),
  failOnQuotaErrors: z
    .boolean()
    .optional()
    .describe("Fail the task at once when the destination is over quota."),
  deleteDestinationExtra: z
    .boolean()
    .optional()
    .describe("Mirror: delete destination files absent from the source (recursive items only)."),
  filterRules: z.array(FilterRuleSchema).optional(),
  deadline: Deadline.optional(),
  notify: NotifySchema.optional(),
  checksumAlgorithm: checksumAlgorithm.optional(),
  sourceLocalUser: z.string().min(1).optional().describe("Local account on a mapped source."),
  destinationLocalUser: z
    .string()
    .min(1)
    .optional()
    .describe("Local account on a mapped destination."),
});

/** Options of a Globus delete task, settable per step or in `defaults.delete`. */
export const DeleteOptionsSchema = z.strictObject({
  label: Label.optional(),
  deadline: Deadline.optional(),
  notify: NotifySchema.optional(),
  recursive: z.boolean().optional().describe("Delete directories and their contents."),
  ignoreMissing: z.boolean().optional().describe("Do not fail when a path does not exist."),
  interpretGlobs: z.boolean().optional().describe("Expand * ? [ ] in the last path component."),
  localUser: z.string().min(1).optional().describe("Local account on a mapped collection."),
});

export const TransferItemSchema = z
  .strictObject({
    source: CollectionPath,
    destination: CollectionPath,
    recursive: z
      .boolean()
      .optional()
      .describe(
        "Copy a directory and everything below it. Unset: Globus detects file or directory.",
      ),
    externalChecksum: z
      .string()
      .regex(/^[A-Za-z0-9+/=-]+$/)
      .optional()
      .describe("The file's known checksum (files only, not with recursive)."),
    checksumAlgorithm: checksumAlgorithm.optional(),
  })
  .describe("One path to copy. For a file the destination is the full file path.");

const ItemsFromSchema = z
  .union(
    [
      z.string().min(1),
      z.strictObject({
        path: z.string().min(1),
        sourcePrefix: CollectionPath.optional(),
        destinationPrefix: CollectionPath.optional(),
      }),
    ],
    { error: "must be a file name, or a mapping of path, sourcePrefix, destinationPrefix" },
  )
  .describe(
    "A batch file of items in globus-cli --batch format, relative to the workflow file. With prefixes, relative paths in the file are joined to them.",
  );

export const TransferStepSchema = TransferOptionsSchema.extend({
  source: Identifier.describe("Alias of the source collection."),
  destination: Identifier.describe("Alias of the destination collection."),
  items: z.array(TransferItemSchema).optional(),
  itemsFrom: ItemsFromSchema.optional(),
});

const DeleteItemsFromSchema = z
  .union(
    [
      z.string().min(1),
      z.strictObject({ path: z.string().min(1), prefix: CollectionPath.optional() }),
    ],
    { error: "must be a file name, or a mapping of path and prefix" },
  )
  .describe("A file with one path per line (shell quoting, # comments), relative to the workflow.");

export const DeleteStepSchema = DeleteOptionsSchema.extend({
  collection: Identifier.describe("Alias of the collection to delete from."),
  items: z.array(CollectionPath).optional(),
  itemsFrom: DeleteItemsFromSchema.optional(),
});

export const MkdirStepSchema = z.strictObject({
  collection: Identifier.describe("Alias of the collection."),
  paths: z
    .array(CollectionPath)
    .min(1, { error: "list at least one directory to create" })
    .describe("Directories to create (parents must exist)."),
});

export const stepKinds = ["transfer", "delete", "mkdir"] as const;
export type StepKind = (typeof stepKinds)[number];

export const StepSchema = z
  .strictObject({
    id: Identifier.describe("Unique step id, used by needs."),
    description: z.string().optional(),
    needs: z.array(Identifier).optional().describe("Steps that must succeed before this one."),
    transfer: TransferStepSchema.optional(),
    delete: DeleteStepSchema.optional(),
    mkdir: MkdirStepSchema.optional(),
  })
  .superRefine((step, ctx) => {
    const kinds = stepKinds.filter((k) => step[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: "custom",
        params: { diagnostic: "step-action" },
        message:
          kinds.length === 0
            ? "a step needs one of transfer, delete or mkdir"
            : `a step does one thing, but this one has ${kinds.join(" and ")}`,
      });
    }
  })
  .describe("One node of the workflow graph: a transfer, a delete or a mkdir.");

export const WorkflowSchema = z
  .strictObject({
    $schema: z.string().optional().describe("JSON Schema of this file, for editors."),
    version: z.literal(1, { error: "version must be 1" }),
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
        error: "must be letters, digits, '.', '_' and '-' (it names runs and files)",
      })
      .max(100),
    description: z.string().optional(),
    inputs: z.record(Identifier, InputSchema).optional(),
    collections: z
      .record(Identifier, CollectionSchema)
      .refine((c) => Object.keys(c).length > 0, { error: "declare at least one collection" }),
    defaults: z
      .strictObject({
        transfer: TransferOptionsSchema.optional(),
        delete: DeleteOptionsSchema.optional(),
      })
      .optional()
      .describe("Options applied to every step unless the step sets them."),
    steps: z.array(StepSchema).min(1, { error: "a workflow has at least one step" }),
  })
  .describe("A transflow workflow: what moves between which Globus collections, in what order.");

export type Workflow = z.output<typeof WorkflowSchema>;
export type WorkflowInput = z.input<typeof WorkflowSchema>;
export type Collection = z.output<typeof CollectionSchema>;
export type Input = z.output<typeof InputSchema>;
export type Step = z.output<typeof StepSchema>;
export type TransferStep = z.output<typeof TransferStepSchema>;
export type DeleteStep = z.output<typeof DeleteStepSchema>;
export type MkdirStep = z.output<typeof MkdirStepSchema>;
export type TransferOptions = z.output<typeof TransferOptionsSchema>;
export type DeleteOptions = z.output<typeof DeleteOptionsSchema>;
export type TransferItem = z.output<typeof TransferItemSchema>;
export type FilterRule = z.output<typeof FilterRuleSchema>;
export type CollectionKindName = (typeof collectionKinds)[number];

/** The Transfer `entity_type` each declared kind stands for. @see globus-api.md §4.1 */
export const entityTypeOfKind: Readonly<Record<CollectionKindName, string>> = {
  mapped: "GCSv5_mapped_collection",
  guest: "GCSv5_guest_collection",
  personal: "GCP_mapped_collection",
  "personal-guest": "GCP_guest_collection",
  gcsv4: "GCSv4_host",
  "gcsv4-share": "GCSv4_share",
};
