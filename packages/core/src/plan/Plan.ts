/**
 * The plan: what a run will ask of Globus, decided before anything runs. Plain, JSON-ready data
 * (no classes, no `undefined` values, no functions); `plan.json` is its canonical JSON form
 * (`PlanJson.ts`, `docs/plan-format.md`). The runner executes a plan; it never re-decides one.
 */
import type { Diagnostic } from "../diagnostics/Diagnostic.ts";
import type { EntityType } from "../globus/Transfer.ts";
import type { InputValue } from "../workflow/Templates.ts";
import type { DeleteOptions, TransferOptions } from "../workflow/WorkflowSchema.ts";

/**
 * The `format` of every plan this version writes and reads. A change to the JSON form that an
 * older reader would misread gets a new number; `parsePlanJson` refuses any other format.
 */
export const PLAN_FORMAT = "transflow-plan/1";

/** The first element of every batch fingerprint's subject (see `Documents.ts`). */
export const BATCH_FINGERPRINT_FORMAT = "transflow-batch/1";

/**
 * Items per batch (one Transfer task each) unless `maxItemsPerBatch` says otherwise.
 *
 * Globus documents 100,000,000 files per task and does not document a limit on `DATA` items per
 * submission or on the request size (globus-api.md §5.14, §11). 10,000 items keeps a typical
 * request around 1–2 MB of JSON, and `DEFAULT_MAX_BATCH_BYTES` caps long paths; and it lets one
 * million items fit in 100 tasks, Globus's limit on pending tasks per user.
 */
export const DEFAULT_MAX_ITEMS_PER_BATCH = 10_000;

/**
 * Estimated request size per batch unless `maxBatchBytes` says otherwise: 2 MiB, well under "a
 * few MB", since Globus's request-size limit is unconfirmed. A batch is closed before an item
 * would take it past this; an item larger than this on its own still gets a batch.
 * The estimate is each item's JSON line length plus {@link ITEM_OVERHEAD_BYTES}.
 */
export const DEFAULT_MAX_BATCH_BYTES = 2 * 1024 * 1024;

/**
 * Bytes counted per item on top of the length of its JSON line when estimating a batch's request
 * size: the wire item `{"DATA_TYPE":"transfer_item","source_path":S,"destination_path":D,
 * "recursive":false}` is 73 characters longer than the line `[S,D,false]`; 80 rounds it up.
 */
export const ITEM_OVERHEAD_BYTES = 80;

/** Globus's limit on pending (submitted, unfinished) tasks per user. @see globus-api.md §5.14 */
export const GLOBUS_MAX_PENDING_TASKS = 100;

/** Transfer (and, separately, delete) tasks Globus works on at once per user. @see §5.14 */
export const GLOBUS_MAX_ACTIVE_TASKS = 3;

/** Who runs the plan: a person who logged in, or a client identity (a service account). */
export type PlanIdentity = "user" | "client";

/**
 * Where a collection fact came from: the workflow file (`declared`), the Transfer endpoint
 * document the runner looked up (`lookup`), both in agreement (`both`), or neither (`unknown`).
 */
export type FactSource = "declared" | "lookup" | "both" | "unknown";

/** A collection the workflow declares, with what is known about it and from where. */
export interface PlanCollection {
  /** The workflow's name for it. */
  readonly alias: string;
  readonly id: string;
  /** The looked-up `display_name`, else the declared `name`; null when neither is known. */
  readonly displayName: string | null;
  /** Globus's `entity_type`; null when neither declared (`kind`) nor looked up. */
  readonly entityType: EntityType | null;
  /** null when unknown (treated as not high assurance, with a warning when it matters). */
  readonly highAssurance: boolean | null;
  readonly from: {
    readonly entityType: FactSource;
    readonly highAssurance: FactSource;
    readonly displayName: FactSource;
  };
  /** Whether some step reads or writes it. Unused collections need no consent. */
  readonly used: boolean;
  /** Whether the run's scope carries this collection's `data_access` (used, GCSv5 mapped, not HA). */
  readonly needsDataAccess: boolean;
}

/** One consent of the required scope tree. */
export interface RequiredConsent {
  /** Transfer `all`, or a collection's `https://auth.globus.org/scopes/<id>/data_access`. */
  readonly scope: string;
  /** The scope this one is a dependency of (Transfer `all` for `data_access`); absent at the top. */
  readonly parent?: string;
  /** For `data_access`: the aliases of the collection it opens (one id may have several). */
  readonly collections?: readonly string[];
}

/** A session (login) requirement a collection sets, shown so the user is not surprised at run time. */
export interface SessionRequirement {
  readonly collection: string;
  readonly collectionId: string;
  readonly highAssurance: boolean;
  /** Minutes since the last authentication with an accepted identity, when the collection says. */
  readonly authenticationTimeoutMins: number | null;
  /** The Globus Auth policy the collection applies, when known. */
  readonly authenticationPolicyId: string | null;
  readonly mfaRequired: boolean | null;
  /** One line for people. */
  readonly summary: string;
}

/** What the run needs from Globus Auth, and what the stored tokens already carry. */
export interface PlanConsents {
  /**
   * The one scope string to request: Transfer `all`, with each used, non-high-assurance GCS v5
   * mapped collection's `data_access` as an optional dependency, in declaration order.
   */
  readonly scope: string;
  /** Every consent of that tree, the root first. */
  readonly required: readonly RequiredConsent[];
  /**
   * Whether `granted` and `missing` were worked out: false when the planner was told nothing about
   * tokens (`PlanFacts.granted` absent, e.g. `plan --offline` before any login), and then both
   * are empty: nothing is known either way.
   */
  readonly checked: boolean;
  /** `scope` of each required consent the stored tokens already carry. */
  readonly granted: readonly string[];
  /** `scope` of each required consent they lack. */
  readonly missing: readonly string[];
  /**
   * `scope` of each dependent (`data_access`) consent the tokens cannot show either way (a bare
   * refresh token: see `GrantedConsents.dependenciesKnown`). A run stops for consent if one is
   * in fact missing.
   */
  readonly unverified: readonly string[];
  /**
   * The command that grants the missing ones (`transflow consent <workflow>`); absent when the
   * check found nothing missing.
   */
  readonly command?: string;
  /** Session requirements of the collections the steps touch (high assurance, policies). */
  readonly sessions: readonly SessionRequirement[];
}

/**
 * One transfer item as a compact tuple, exactly what the wire item carries: `[source,
 * destination]`, then, only when set, `recursive` (`true`/`false`), `externalChecksum`,
 * `checksumAlgorithm` (the item's own, else the step's, as globus-cli applies
 * `--checksum-algorithm` to every line); an unset middle field is `null` and trailing unset
 * fields are left off. Paths are normalised as globus-cli does.
 */
export type PlanTransferItem =
  | readonly [source: string, destination: string]
  | readonly [source: string, destination: string, recursive: boolean | null]
  | readonly [
      source: string,
      destination: string,
      recursive: boolean | null,
      externalChecksum: string | null,
    ]
  | readonly [
      source: string,
      destination: string,
      recursive: boolean | null,
      externalChecksum: string | null,
      checksumAlgorithm: string,
    ];

/**
 * A batch's items as text: each item as `JSON.stringify(item)` writes it, joined by `",\n"`: the
 * lines of the batch's `items` array in plan.json, without their indentation. A million items kept
 * so take a third of the memory of a million tuples, and are written and hashed without work per
 * item. JSON escapes every line break inside a string, so `",\n"` only ever separates items.
 * The type parameter only records what the items are.
 */
export type ItemsJson<Item> = string & { readonly __items?: Item };

/** One task's worth of items (for mkdir: one path, one operation). */
export interface PlanBatch<Item> {
  /**
   * `sha256:` and the SHA-256 of what will be submitted, submission id aside (`Documents.ts`):
   * a resumed run recognises a batch it already submitted by it.
   */
  readonly fingerprint: string;
  /** At least 1. */
  readonly itemCount: number;
  /** Every item, in order; read them with {@link batchItems}. plan.json writes them as `items`. */
  readonly itemsJson: ItemsJson<Item>;
}

/** Transfer options as the plan keeps them: the step's over `defaults.transfer`, only those set. */
export type PlanTransferOptions = TransferOptions;

/** Delete options as the plan keeps them: the step's over `defaults.delete`, only those set. */
export type PlanDeleteOptions = DeleteOptions;

/** Fields every step has (plan.json writes `id`, `action`, `description`, `needs` first). */
interface PlanStepBase {
  readonly id: string;
  readonly description?: string;
  /** Steps that must succeed first (all earlier in `Plan.steps`). */
  readonly needs: readonly string[];
  /** Items after duplicates were removed: the sum of the batches' `itemCount`. */
  readonly itemCount: number;
  /** Items dropped because an identical one came earlier. */
  readonly duplicatesRemoved: number;
}

export interface PlanTransferStep extends PlanStepBase {
  readonly action: "transfer";
  readonly source: string;
  readonly sourceCollectionId: string;
  readonly destination: string;
  readonly destinationCollectionId: string;
  /** A relative `deadline` (`12h`) stays relative: it is resolved when each batch is submitted. */
  readonly options: PlanTransferOptions;
  readonly batches: readonly PlanBatch<PlanTransferItem>[];
}

export interface PlanDeleteStep extends PlanStepBase {
  readonly action: "delete";
  readonly collection: string;
  readonly collectionId: string;
  readonly options: PlanDeleteOptions;
  /** Items are paths. */
  readonly batches: readonly PlanBatch<string>[];
}

export interface PlanMkdirStep extends PlanStepBase {
  readonly action: "mkdir";
  readonly collection: string;
  readonly collectionId: string;
  /** One batch per directory, each with one path: mkdir is one synchronous call per path. */
  readonly batches: readonly PlanBatch<string>[];
}

export type PlanStep = PlanTransferStep | PlanDeleteStep | PlanMkdirStep;

/** How the plan was cut, and how its task count meets Globus's limits. */
export interface PlanLimits {
  readonly maxItemsPerBatch: number;
  readonly maxBatchBytes: number;
  /** Items across all steps. */
  readonly items: number;
  /** Transfer tasks plus delete tasks. */
  readonly tasks: number;
  readonly transferTasks: number;
  readonly deleteTasks: number;
  readonly mkdirOperations: number;
  /** Globus's pending-task limit per user (100). */
  readonly maxPendingTasks: number;
  /** Tasks of one kind Globus works on at once per user (3). */
  readonly maxActiveTasks: number;
}

/** The plan. Same workflow, inputs, facts and options → byte-identical `plan.json`. */
export interface Plan {
  /** {@link PLAN_FORMAT}. */
  readonly format: typeof PLAN_FORMAT;
  /** Given by the caller (core reads no clock); also the `now` for `--show-documents`. */
  readonly createdAt: string;
  readonly workflow: {
    readonly name: string;
    /** As the user named it; the consent command uses it. */
    readonly file: string;
    /** `sha256:` and the SHA-256 of the checked workflow as `JSON.stringify` writes it. */
    readonly fingerprint: string;
  };
  /** Input values in force, in declaration order. */
  readonly inputs: Readonly<Record<string, InputValue>>;
  readonly identity: PlanIdentity;
  /** Every declared collection, in declaration order. */
  readonly collections: readonly PlanCollection[];
  readonly consents: PlanConsents;
  readonly limits: PlanLimits;
  /** Warnings found while planning (errors give no plan). */
  readonly warnings: readonly Diagnostic[];
  /** In dependency order (ties keep the file's order). */
  readonly steps: readonly PlanStep[];
}

/** The items of a batch, decoded. */
export const batchItems = <Item>(batch: Pick<PlanBatch<Item>, "itemsJson">): Item[] =>
  batch.itemsJson === "" ? [] : (JSON.parse(`[${batch.itemsJson}]`) as Item[]);

/** A batch at a glance: how many items, and the first and last. */
export interface BatchSummary<Item> {
  readonly itemCount: number;
  readonly first: Item | undefined;
  readonly last: Item | undefined;
}

/** The item count and the first and last items of a batch, for showing a plan (decodes only those). */
export const batchSummary = <Item>(batch: PlanBatch<Item>): BatchSummary<Item> => {
  const text = batch.itemsJson;
  if (text === "") return { itemCount: batch.itemCount, first: undefined, last: undefined };
  const firstEnd = text.indexOf(",\n");
  const lastStart = text.lastIndexOf(",\n");
  return {
    itemCount: batch.itemCount,
    first: JSON.parse(firstEnd < 0 ? text : text.slice(0, firstEnd)) as Item,
    last: JSON.parse(lastStart < 0 ? text : text.slice(lastStart + 2)) as Item,
  };
};

/** A batch as plan.json writes it: the items as an array. */
export interface PlanBatchDocument<Item> {
  readonly fingerprint: string;
  readonly itemCount: number;
  readonly items: readonly Item[];
}

type StepDocument<S> = S extends { readonly batches: readonly PlanBatch<infer Item>[] }
  ? Omit<S, "batches"> & { readonly batches: readonly PlanBatchDocument<Item>[] }
  : never;

/** A step as plan.json writes it. */
export type PlanStepDocument = StepDocument<PlanStep>;

/**
 * The plan as plan.json writes it (`JSON.parse(planJson(plan))`): the same, with each batch's
 * `itemsJson` as an `items` array.
 */
export type PlanDocument = Omit<Plan, "steps"> & { readonly steps: readonly PlanStepDocument[] };

/** The plan with its items decoded, keys in plan.json's order: what plan.json holds. */
export const planDocument = (plan: Plan): PlanDocument => ({
  ...plan,
  steps: plan.steps.map(
    (step) =>
      ({
        ...step,
        batches: step.batches.map((batch: PlanBatch<unknown>) => ({
          fingerprint: batch.fingerprint,
          itemCount: batch.itemCount,
          items: batchItems(batch),
        })),
      }) as PlanStepDocument,
  ),
});
