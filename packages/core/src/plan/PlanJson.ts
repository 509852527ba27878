/**
 * `plan.json`: the canonical JSON form of a plan, written in one piece (`planJson`) or streamed
 * (`planJsonChunks`, byte-identical, so a million-item plan is never one giant string), and read
 * back (`parsePlanJson`), refusing a plan whose fingerprints or totals do not match its content.
 *
 * The canonical form of the plan's document (`planDocument`: the plan with each batch's
 * `itemsJson` as an `items` array) is `JSON.stringify(document, null, 2)` with one change: each
 * element of an array under the key `items` is written on its own line as `JSON.stringify(element)`
 * writes it (no spaces), and the text ends with a line feed. See docs/plan-format.md.
 */
import { z } from "zod";
import { type Diagnostic, makeError } from "../diagnostics/Diagnostic.ts";
import { EntityType } from "../globus/Transfer.ts";
import { serializeScope } from "../scope/Scope.ts";
import { DeleteOptionsSchema, TransferOptionsSchema } from "../workflow/WorkflowSchema.ts";
import { itemJson } from "./Batches.ts";
import { needsDataAccess, requiredScope } from "./Consents.ts";
import { expectedFingerprint } from "./Documents.ts";
import {
  GLOBUS_MAX_ACTIVE_TASKS,
  GLOBUS_MAX_PENDING_TASKS,
  type ItemsJson,
  PLAN_FORMAT,
  type Plan,
  type PlanBatch,
  type PlanDocument,
  type PlanStep,
  planDocument,
} from "./Plan.ts";

/** The key whose array elements the canonical form writes one per line, compactly. */
const ITEMS_KEY = "items";

/** The in-memory key of a batch's items (`PlanBatch.itemsJson`), written as `items`. */
const ITEMS_JSON_KEY = "itemsJson";

// ---------------------------------------------------------------------------------------------
// One piece

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** Whether JSON.stringify would leave an object entry with this value out. */
const omitted = (value: unknown): boolean =>
  value === undefined || typeof value === "function" || typeof value === "symbol";

const writeCanonical = (value: unknown, indent: string, out: string[], items: boolean): void => {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push("[]");
      return;
    }
    const inner = `${indent}  `;
    out.push("[\n");
    value.forEach((element, i) => {
      out.push(inner);
      if (items) out.push(JSON.stringify(element) ?? "null");
      else if (omitted(element)) out.push("null");
      else writeCanonical(element, inner, out, false);
      out.push(i === value.length - 1 ? "\n" : ",\n");
    });
    out.push(`${indent}]`);
    return;
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value).filter((key) => !omitted(value[key]));
    if (keys.length === 0) {
      out.push("{}");
      return;
    }
    const inner = `${indent}  `;
    out.push("{\n");
    keys.forEach((key, i) => {
      out.push(inner, JSON.stringify(key), ": ");
      writeCanonical(value[key], inner, out, key === ITEMS_KEY);
      out.push(i === keys.length - 1 ? "\n" : ",\n");
    });
    out.push(`${indent}}`);
    return;
  }
  out.push(JSON.stringify(value) ?? "null");
};

/**
 * The canonical JSON of any plain value (see the module comment): a reference form, simple rather
 * than fast. For a plan, `planJsonChunks` gives the same bytes without building one string.
 */
export const canonicalJson = (value: unknown): string => {
  const out: string[] = [];
  writeCanonical(value, "", out, false);
  out.push("\n");
  return out.join("");
};

/**
 * `plan.json` as one string, by the reference route: decode every item, then write the canonical
 * form. For big plans use {@link planJsonChunks}, which gives the same bytes.
 */
export const planJson = (plan: Plan): string => canonicalJson(planDocument(plan));

// ---------------------------------------------------------------------------------------------
// Streamed

/** Characters gathered before a chunk is yielded. */
const CHUNK_CHARS = 1 << 18;

/**
 * `plan.json` piece by piece: joined, the pieces are exactly `planJson(plan)`. A piece is a batch's
 * items or about 256 K characters of the rest, so a writer streams a plan of a million items with
 * little memory and no work per item.
 */
export function* planJsonChunks(plan: Plan): Generator<string, void, undefined> {
  let parts: string[] = [];
  let size = 0;
  const push = (text: string): void => {
    parts.push(text);
    size += text.length;
  };
  const take = (): string => {
    const chunk = parts.join("");
    parts = [];
    size = 0;
    return chunk;
  };

  function* emit(value: unknown, indent: string): Generator<string, void, undefined> {
    if (Array.isArray(value)) {
      if (value.length === 0) {
        push("[]");
        return;
      }
      const inner = `${indent}  `;
      push("[\n");
      for (let i = 0; i < value.length; i++) {
        const element: unknown = value[i];
        push(inner);
        if (omitted(element)) push("null");
        else yield* emit(element, inner);
        push(i === value.length - 1 ? "\n" : ",\n");
      }
      push(`${indent}]`);
      return;
    }
    if (isPlainObject(value)) {
      const keys = Object.keys(value).filter((key) => !omitted(value[key]));
      if (keys.length === 0) {
        push("{}");
        return;
      }
      const inner = `${indent}  `;
      push("{\n");
      for (let k = 0; k < keys.length; k++) {
        const key = keys[k] ?? "";
        const child = value[key];
        push(`${inner}${JSON.stringify(key === ITEMS_JSON_KEY ? ITEMS_KEY : key)}: `);
        if (key === ITEMS_JSON_KEY && typeof child === "string") {
          // The bulk of a plan: a batch's items, already one JSON line each, only indented here
          // and handed over as a chunk of their own (no copy into the buffer).
          if (child === "") {
            push("[]");
          } else {
            const itemIndent = `${inner}  `;
            push(`[\n${itemIndent}`);
            yield take();
            yield child.replaceAll("\n", `\n${itemIndent}`);
            push(`\n${inner}]`);
          }
        } else {
          yield* emit(child, inner);
        }
        push(k === keys.length - 1 ? "\n" : ",\n");
      }
      push(`${indent}}`);
      if (size >= CHUNK_CHARS) yield take();
      return;
    }
    push(JSON.stringify(value) ?? "null");
  }

  yield* emit(plan, "");
  push("\n");
  yield take();
}

// ---------------------------------------------------------------------------------------------
// Reading

const Fingerprint = z.string().regex(/^sha256:[0-9a-f]{64}$/, {
  error: 'must be "sha256:" and 64 lowercase hex digits',
});
const Count = z.int().nonnegative();
const FactSourceSchema = z.enum(["declared", "lookup", "both", "unknown"]);
const Strings = z.array(z.string());

const DiagnosticSchema = z.strictObject({
  severity: z.enum(["error", "warning"]),
  code: z.string(),
  summary: z.string(),
  hint: z.string().optional(),
  at: z
    .strictObject({
      file: z.string(),
      line: z.int().optional(),
      column: z.int().optional(),
      path: z.array(z.union([z.string(), z.int()])).optional(),
    })
    .optional(),
});

const CollectionSchema = z.strictObject({
  alias: z.string(),
  id: z.string(),
  displayName: z.string().nullable(),
  entityType: EntityType.nullable(),
  highAssurance: z.boolean().nullable(),
  from: z.strictObject({
    entityType: FactSourceSchema,
    highAssurance: FactSourceSchema,
    displayName: FactSourceSchema,
  }),
  used: z.boolean(),
  needsDataAccess: z.boolean(),
});

const ConsentsSchema = z.strictObject({
  scope: z.string(),
  required: z.array(
    z.strictObject({
      scope: z.string(),
      parent: z.string().optional(),
      collections: Strings.optional(),
    }),
  ),
  checked: z.boolean(),
  granted: Strings,
  missing: Strings,
  unverified: Strings,
  command: z.string().optional(),
  sessions: z.array(
    z.strictObject({
      collection: z.string(),
      collectionId: z.string(),
      highAssurance: z.boolean(),
      authenticationTimeoutMins: z.int().nullable(),
      authenticationPolicyId: z.string().nullable(),
      mfaRequired: z.boolean().nullable(),
      summary: z.string(),
    }),
  ),
});

/** Items are checked by hand after the schema: a million zod tuple checks would be slow. */
const ItemsSchema = z.array(z.unknown());

const batchSchema = z.strictObject({
  fingerprint: Fingerprint,
  itemCount: Count,
  items: ItemsSchema,
});

const stepHead = {
  id: z.string(),
  description: z.string().optional(),
  needs: Strings,
};

const stepCounts = {
  itemCount: Count,
  duplicatesRemoved: Count,
  batches: z.array(batchSchema),
};

/** Steps, keys in canonical order (zod writes its output in its shape's order). */
const StepSchema = z.discriminatedUnion("action", [
  z.strictObject({
    id: stepHead.id,
    action: z.literal("transfer"),
    description: stepHead.description,
    needs: stepHead.needs,
    source: z.string(),
    sourceCollectionId: z.string(),
    destination: z.string(),
    destinationCollectionId: z.string(),
    options: TransferOptionsSchema,
    ...stepCounts,
  }),
  z.strictObject({
    id: stepHead.id,
    action: z.literal("delete"),
    description: stepHead.description,
    needs: stepHead.needs,
    collection: z.string(),
    collectionId: z.string(),
    options: DeleteOptionsSchema,
    ...stepCounts,
  }),
  z.strictObject({
    id: stepHead.id,
    action: z.literal("mkdir"),
    description: stepHead.description,
    needs: stepHead.needs,
    collection: z.string(),
    collectionId: z.string(),
    ...stepCounts,
  }),
]);

/** The structure of `plan.json`, keys in canonical order. Items and cross-checks come after. */
const PlanSchema = z.strictObject({
  format: z.literal(PLAN_FORMAT),
  createdAt: z.string(),
  workflow: z.strictObject({ name: z.string(), file: z.string(), fingerprint: Fingerprint }),
  inputs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  identity: z.enum(["user", "client"]),
  collections: z.array(CollectionSchema),
  consents: ConsentsSchema,
  limits: z.strictObject({
    maxItemsPerBatch: z.int().positive(),
    maxBatchBytes: z.int().positive(),
    items: Count,
    tasks: Count,
    transferTasks: Count,
    deleteTasks: Count,
    mkdirOperations: Count,
    maxPendingTasks: Count,
    maxActiveTasks: Count,
  }),
  warnings: z.array(DiagnosticSchema),
  steps: z.array(StepSchema),
});

/** The result of {@link parsePlanJson}. */
export type ParsePlanResult =
  | { readonly ok: true; readonly plan: Plan }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

const MAX_ITEM_PROBLEMS = 20;

/** Why a transfer item tuple is malformed, if it is. */
const transferItemShape = (item: unknown): string | undefined => {
  if (!Array.isArray(item) || item.length < 2 || item.length > 5) {
    return "must be [source, destination] with optional recursive, externalChecksum, checksumAlgorithm";
  }
  const [source, destination, recursive, checksum, algorithm] = item as unknown[];
  if (typeof source !== "string" || source === "") return "source must be a non-empty string";
  if (typeof destination !== "string" || destination === "") {
    return "destination must be a non-empty string";
  }
  if (item.length >= 3 && recursive !== null && typeof recursive !== "boolean") {
    return "recursive must be true, false or null";
  }
  if (item.length >= 4 && checksum !== null && typeof checksum !== "string") {
    return "externalChecksum must be a string or null";
  }
  if (item.length === 5 && typeof algorithm !== "string") {
    return "checksumAlgorithm must be a string";
  }
  if (item[item.length - 1] === null) return "trailing null fields are left off";
  return undefined;
};

const pathShape = (item: unknown): string | undefined =>
  typeof item === "string" && item !== "" ? undefined : "must be a non-empty path string";

/**
 * Reads `plan.json`: checks the format, the structure, every item, and that the content matches
 * what the plan claims about it: each batch's fingerprint and item count, each step's totals,
 * the limits' totals, collection ids against the collections table, the consent scope against
 * the collection facts, and the step order. A plan edited by hand fails here, naming what and
 * where; the runner must not run such a plan.
 */
export const parsePlanJson = (text: string, file = "plan.json"): ParsePlanResult => {
  const problem = (path: (string | number)[], summary: string, hint?: string): Diagnostic =>
    makeError("plan-invalid", summary, { file, path }, hint);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      diagnostics: [
        makeError(
          "plan-json",
          `${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`,
          { file },
          "write it again with transflow plan",
        ),
      ],
    };
  }
  const format = isPlainObject(value) ? value.format : undefined;
  if (format !== PLAN_FORMAT) {
    return {
      ok: false,
      diagnostics: [
        makeError(
          "plan-format",
          typeof format === "string" && format.startsWith("transflow-plan/")
            ? `${file} has format ${format}, and this transflow reads ${PLAN_FORMAT}`
            : `${file} is not a transflow plan (no "format": "${PLAN_FORMAT}")`,
          { file, path: ["format"] },
          "make the plan again with this version: transflow plan",
        ),
      ],
    };
  }
  const parsed = PlanSchema.safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      diagnostics: parsed.error.issues
        .slice(0, MAX_ITEM_PROBLEMS)
        .map((issue) =>
          problem(
            issue.path as (string | number)[],
            `${issue.path.map(String).join(".") || "plan"}: ${issue.message}`,
          ),
        ),
    };
  }
  // The schema has checked every field but the items, which are checked below.
  const document = parsed.data as unknown as PlanDocument;
  const diagnostics: Diagnostic[] = [];
  const report = (path: (string | number)[], summary: string, hint?: string): void => {
    if (diagnostics.length < MAX_ITEM_PROBLEMS) diagnostics.push(problem(path, summary, hint));
  };
  const edited = "the plan was changed after transflow wrote it: make it again with transflow plan";

  const collectionIds = new Map(document.collections.map((c) => [c.alias, c.id]));
  const checkCollection = (path: (string | number)[], alias: string, id: string): void => {
    const known = collectionIds.get(alias);
    if (known === undefined) report(path, `no collection "${alias}" in the plan's collections`);
    else if (known !== id) {
      report(path, `collection "${alias}" is ${known} in the collections, but ${id} here`, edited);
    }
  };
  for (const [i, collection] of document.collections.entries()) {
    const needs =
      collection.used && needsDataAccess(collection.entityType, collection.highAssurance);
    if (needs !== collection.needsDataAccess) {
      report(
        ["collections", i, "needsDataAccess"],
        `collection "${collection.alias}": needsDataAccess does not follow from its facts`,
        edited,
      );
    }
  }
  const scope = serializeScope(requiredScope(document.collections));
  if (document.consents.scope !== scope) {
    report(
      ["consents", "scope"],
      `the consent scope does not match the collections: ${scope} was expected`,
      edited,
    );
  }

  const seen = new Set<string>();
  let items = 0;
  let transferTasks = 0;
  let deleteTasks = 0;
  let mkdirOperations = 0;
  const steps = document.steps.map((step, s): PlanStep => {
    const at = ["steps", s];
    for (const need of step.needs) {
      if (!seen.has(need)) {
        report(
          [...at, "needs"],
          `step "${step.id}" needs "${need}", which does not come before it`,
        );
      }
    }
    if (seen.has(step.id)) report([...at, "id"], `step id "${step.id}" is used twice`);
    seen.add(step.id);
    if (step.action === "transfer") {
      checkCollection([...at, "sourceCollectionId"], step.source, step.sourceCollectionId);
      checkCollection(
        [...at, "destinationCollectionId"],
        step.destination,
        step.destinationCollectionId,
      );
      transferTasks += step.batches.length;
    } else {
      checkCollection([...at, "collectionId"], step.collection, step.collectionId);
      if (step.action === "delete") deleteTasks += step.batches.length;
      else mkdirOperations += step.batches.length;
    }
    const shape = step.action === "transfer" ? transferItemShape : pathShape;
    let stepItems = 0;
    const batches = step.batches.map((batch, b): PlanBatch<unknown> => {
      const batchAt = [...at, "batches", b];
      const list: readonly unknown[] = batch.items;
      let bad = false;
      for (let i = 0; i < list.length; i++) {
        const why = shape(list[i]);
        if (why !== undefined) {
          bad = true;
          report(
            [...batchAt, "items", i],
            `item ${i + 1} of batch ${b + 1} of step "${step.id}": ${why}`,
          );
        }
      }
      if (list.length === 0) report([...batchAt, "items"], "a batch has at least one item");
      if (step.action === "mkdir" && list.length > 1) {
        report([...batchAt, "items"], "a mkdir batch is one path");
      }
      if (batch.itemCount !== list.length) {
        report(
          [...batchAt, "itemCount"],
          `itemCount is ${batch.itemCount}, but the batch has ${list.length} items`,
          edited,
        );
      }
      stepItems += list.length;
      const planned: PlanBatch<unknown> = {
        fingerprint: batch.fingerprint,
        itemCount: batch.itemCount,
        itemsJson: list.map(itemJson).join(",\n") as ItemsJson<unknown>,
      };
      if (!bad && batch.fingerprint !== expectedFingerprint(step, planned)) {
        report(
          [...batchAt, "fingerprint"],
          `batch ${b + 1} of step "${step.id}" does not match its fingerprint: its items or the step's collections or options were changed`,
          edited,
        );
      }
      return planned;
    });
    if (step.itemCount !== stepItems) {
      report(
        [...at, "itemCount"],
        `step "${step.id}" says ${step.itemCount} items, but its batches hold ${stepItems}`,
        edited,
      );
    }
    items += stepItems;
    return { ...step, batches } as PlanStep;
  });
  const limits = document.limits;
  const totals: [keyof typeof limits, number][] = [
    ["items", items],
    ["tasks", transferTasks + deleteTasks],
    ["transferTasks", transferTasks],
    ["deleteTasks", deleteTasks],
    ["mkdirOperations", mkdirOperations],
    ["maxPendingTasks", GLOBUS_MAX_PENDING_TASKS],
    ["maxActiveTasks", GLOBUS_MAX_ACTIVE_TASKS],
  ];
  for (const [key, expected] of totals) {
    if (limits[key] !== expected) {
      report(
        ["limits", key],
        `limits.${key} is ${limits[key]}, but the plan has ${expected}`,
        edited,
      );
    }
  }
  return diagnostics.length === 0
    ? { ok: true, plan: { ...document, steps } as Plan }
    : { ok: false, diagnostics };
};
