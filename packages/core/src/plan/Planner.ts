/**
 * The planner: a checked workflow, what is known about its collections and consents, and the lines
 * of its batch files in, a deterministic `Plan` and diagnostics out. Pure: it reads no file, clock
 * or environment. Batch-file lines are pushed in as the runner reads them (`makePlanBuilder`), so a
 * million-line file is never held as text, and each item is kept once, as a line of its batch's
 * text (`Batches.ts`).
 */
import {
  type Diagnostic,
  formatPath,
  hasErrors,
  makeError,
  makeWarning,
} from "../diagnostics/Diagnostic.ts";
import { serializeScope } from "../scope/Scope.ts";
import {
  type BatchLineParser,
  type BatchTransferItem,
  makeDeleteBatchLineParser,
  makeTransferBatchLineParser,
} from "../workflow/BatchFile.ts";
import {
  effectiveTransferOptions,
  transferItemProblem,
  transferItemsProblems,
} from "../workflow/CheckWorkflow.ts";
import { normalizeGlobusPath } from "../workflow/GlobusPath.ts";
import { dependencyOrder } from "../workflow/Graph.ts";
import type { InputValue } from "../workflow/Templates.ts";
import { type DataPath, type Locator, pathOnlyLocator } from "../workflow/WorkflowDocument.ts";
import type {
  DeleteOptions,
  DeleteStep,
  Step,
  TransferOptions,
  TransferStep,
  Workflow,
} from "../workflow/WorkflowSchema.ts";
import {
  type BatchCollector,
  type BatchLimits,
  hasNoQuotes,
  isPlainJsonString,
  makeBatchCollector,
  transferTuple,
} from "./Batches.ts";
import {
  type CollectionLookups,
  consentCommand,
  type GrantedConsents,
  planConsents,
  requiredScope,
  resolveCollections,
} from "./Consents.ts";
import { deleteBatchFingerprint, mkdirFingerprint, transferBatchFingerprint } from "./Documents.ts";
import {
  DEFAULT_MAX_BATCH_BYTES,
  DEFAULT_MAX_ITEMS_PER_BATCH,
  GLOBUS_MAX_ACTIVE_TASKS,
  GLOBUS_MAX_PENDING_TASKS,
  type ItemsJson,
  PLAN_FORMAT,
  type Plan,
  type PlanBatch,
  type PlanConsents,
  type PlanIdentity,
  type PlanStep,
  type PlanTransferItem,
} from "./Plan.ts";
import { makeSha256, type Sha256 } from "./Sha256.ts";

/** What the runner knows about the world before planning. */
export interface PlanFacts {
  /** Looked-up endpoint documents, and ids Globus does not know. Absent: nothing looked up. */
  readonly collections?: CollectionLookups;
  /**
   * The scopes the tokens carry; `{ scopes: [] }` when not logged in (nothing granted). Absent:
   * not known (no check: `consents.checked` is false).
   */
  readonly granted?: GrantedConsents;
}

/** How to plan. */
export interface PlanOptions {
  /** The workflow file as the user named it: for diagnostics and the consent command. */
  readonly file: string;
  /** The plan's creation time, given by the caller (core reads no clock), e.g. an ISO 8601 string. */
  readonly createdAt: string;
  /** Input values in force (`CheckWorkflowResult.inputs`). */
  readonly inputs?: Readonly<Record<string, InputValue>>;
  /** Who will run the plan. @default "user" */
  readonly identity?: PlanIdentity;
  /** @default DEFAULT_MAX_ITEMS_PER_BATCH (10,000) */
  readonly maxItemsPerBatch?: number;
  /** @default DEFAULT_MAX_BATCH_BYTES (2 MiB) */
  readonly maxBatchBytes?: number;
  /** Maps workflow paths to file:line:col; defaults to paths only. */
  readonly locate?: Locator;
  /**
   * Makes the SHA-256 hashers for fingerprints. Core's own is pure JavaScript; the runner passes
   * Node's native one, several times faster on a million items. Both give the same digests.
   * @default makeSha256
   */
  readonly sha256?: () => Sha256;
  /**
   * For `planWorkflow`: the lines of each step's `itemsFrom` file, by step id, without line
   * breaks. With `makePlanBuilder`, push them with `addBatchLines` instead.
   */
  readonly batchLines?: Readonly<Record<string, Iterable<string>>>;
}

/** A plan when there are no errors, and every problem found. */
export interface PlanResult {
  readonly plan?: Plan;
  readonly diagnostics: readonly Diagnostic[];
}

/** Plans a workflow whose batch files arrive a chunk of lines at a time. */
export interface PlanBuilder {
  /**
   * Feeds the next lines of step `stepId`'s `itemsFrom` file, in file order (without line
   * breaks). Call it once per chunk read; call it once with no lines for an empty file.
   */
  readonly addBatchLines: (stepId: string, lines: Iterable<string>) => void;
  /** Ends the plan. Call once, after every batch file has been fed. */
  readonly finish: () => PlanResult;
}

/** Bad lines, duplicate destinations: reported one by one up to this many per step. */
const MAX_REPORTED = 20;

/** An origin for an inline item (`-(index + 1)`) or a batch-file line (its number, ≥ 1). */
const inlineOrigin = (index: number): number => -(index + 1);

const plural = (n: number, word: string): string =>
  `${n.toLocaleString("en")} ${word}${n === 1 ? "" : "s"}`;

/** Copies `value` without its `undefined` entries, keys in the order of `keys`. */
const pick = <T extends object>(value: T, keys: readonly (keyof T)[]): T => {
  const out: Partial<T> = {};
  for (const key of keys) if (value[key] !== undefined) out[key] = value[key];
  return out as T;
};

const TRANSFER_OPTION_KEYS: readonly (keyof TransferOptions)[] = [
  "label",
  "syncLevel",
  "verifyChecksum",
  "preserveTimestamp",
  "encryptData",
  "skipSourceErrors",
  "failOnQuotaErrors",
  "deleteDestinationExtra",
  "filterRules",
  "deadline",
  "notify",
  "checksumAlgorithm",
  "sourceLocalUser",
  "destinationLocalUser",
];

const DELETE_OPTION_KEYS: readonly (keyof DeleteOptions)[] = [
  "label",
  "deadline",
  "notify",
  "recursive",
  "ignoreMissing",
  "interpretGlobs",
  "localUser",
];

/** Options as the plan keeps them: fixed key order, filter rules and notify copied in key order. */
const planTransferOptions = (options: TransferOptions): TransferOptions => {
  const picked = pick(options, TRANSFER_OPTION_KEYS);
  return {
    ...picked,
    ...(picked.filterRules === undefined
      ? {}
      : { filterRules: picked.filterRules.map((r) => pick(r, ["include", "exclude", "type"])) }),
    ...(picked.notify === undefined || typeof picked.notify === "boolean"
      ? {}
      : { notify: pick(picked.notify, ["succeeded", "failed", "inactive"]) }),
  };
};

const planDeleteOptions = (workflow: Workflow, step: DeleteStep): DeleteOptions => {
  const merged: DeleteOptions = { ...workflow.defaults?.delete };
  for (const key of DELETE_OPTION_KEYS) {
    if (step[key] !== undefined) Object.assign(merged, { [key]: step[key] });
  }
  const picked = pick(merged, DELETE_OPTION_KEYS);
  return picked.notify === undefined || typeof picked.notify === "boolean"
    ? picked
    : { ...picked, notify: pick(picked.notify, ["succeeded", "failed", "inactive"]) };
};

const destinationOfLine = (line: string): string => (JSON.parse(line) as PlanTransferItem)[1];
const pathOfLine = (line: string): string => JSON.parse(line) as string;

/** The collection aliases a step uses, and where. */
const stepUses = (step: Step, index: number): [string, DataPath][] => {
  if (step.transfer) {
    return [
      [step.transfer.source, ["steps", index, "transfer", "source"]],
      [step.transfer.destination, ["steps", index, "transfer", "destination"]],
    ];
  }
  if (step.delete) return [[step.delete.collection, ["steps", index, "delete", "collection"]]];
  if (step.mkdir) return [[step.mkdir.collection, ["steps", index, "mkdir", "collection"]]];
  return [];
};

/**
 * A checked workflow's fingerprint: `sha256:` and the SHA-256 of `JSON.stringify(workflow)` (inputs
 * and templates resolved). A run of a plan file compares it with the workflow as it is now.
 */
export const workflowFingerprint = (
  workflow: Workflow,
  sha256: () => Sha256 = makeSha256,
): string => `sha256:${sha256().updateText(JSON.stringify(workflow)).digestHex()}`;

/**
 * A plan's consents checked again against what the tokens carry now: a plan file made yesterday
 * (or by CI) is run with today's login.
 */
export const recheckConsents = (plan: Plan, granted: GrantedConsents): PlanConsents =>
  planConsents(
    plan.collections,
    plan.consents.sessions,
    granted,
    plan.consents.command ?? consentCommandOf(plan),
    pathOnlyLocator(plan.workflow.file),
  ).consents;

const consentCommandOf = (plan: Plan): string => `transflow consent ${plan.workflow.file}`;

/** Each collection alias a step uses, with where it is first used. */
const collectionUses = (workflow: Workflow): Map<string, DataPath> => {
  const uses = new Map<string, DataPath>();
  workflow.steps.forEach((step, i) => {
    for (const [alias, at] of stepUses(step, i)) if (!uses.has(alias)) uses.set(alias, at);
  });
  return uses;
};

/**
 * The scope string a run of `workflow` requests, from the same facts `planWorkflow` would use,
 * without reading its items: a client identity asks Globus Auth for it before planning, so the
 * plan can say what was granted.
 */
export const workflowScope = (
  workflow: Workflow,
  lookups: CollectionLookups,
  identity: PlanIdentity = "user",
): string => {
  const resolved = resolveCollections(
    workflow,
    lookups,
    collectionUses(workflow),
    identity,
    pathOnlyLocator(""),
  );
  return serializeScope(requiredScope(resolved.collections));
};

/** One step being planned. */
interface StepState {
  readonly index: number;
  readonly step: Step;
  /** The `itemsFrom` file as written, when the step has one. */
  readonly batchFile: string | undefined;
  fed: boolean;
  lines: number;
  recursiveItems: number;
  duplicates: number;
  firstDuplicateOrigin: number;
  lineErrors: number;
  conflicts: number;
  readonly diagnostics: Diagnostic[];
  readonly addLine: (line: string) => void;
  readonly finish: () => PlanStep;
}

/** The mutable counts a step's state starts with (transfer and delete steps alike). */
const freshCounts = () => ({
  fed: false,
  lines: 0,
  recursiveItems: 0,
  duplicates: 0,
  firstDuplicateOrigin: 0,
  lineErrors: 0,
  conflicts: 0,
  diagnostics: [] as Diagnostic[],
});

/**
 * Starts a plan. Feed each `itemsFrom` file's lines with `addBatchLines`, then call `finish`.
 * The workflow must be one `checkWorkflow` accepted (no cycles, every alias declared).
 */
export const makePlanBuilder = (
  workflow: Workflow,
  facts: PlanFacts,
  options: PlanOptions,
): PlanBuilder => {
  const locate = options.locate ?? pathOnlyLocator(options.file);
  const limits: BatchLimits = {
    maxItems: Math.max(1, Math.floor(options.maxItemsPerBatch ?? DEFAULT_MAX_ITEMS_PER_BATCH)),
    maxBytes: Math.max(1, Math.floor(options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES)),
  };
  const idOf = (alias: string): string => (workflow.collections[alias]?.id ?? "").toLowerCase();
  const sha256 = options.sha256 ?? makeSha256;
  const builderDiagnostics: Diagnostic[] = [];

  const describeOrigin = (state: StepState, origin: number): string =>
    origin < 0
      ? formatPath([...itemsPath(state), -origin - 1])
      : `${state.batchFile ?? "batch file"}:${origin}`;
  const itemsPath = (state: StepState): DataPath =>
    state.step.transfer
      ? ["steps", state.index, "transfer", "items"]
      : state.step.delete
        ? ["steps", state.index, "delete", "items"]
        : ["steps", state.index, "mkdir", "paths"];
  const locationOf = (state: StepState, origin: number, column = 1) =>
    origin < 0
      ? locate([...itemsPath(state), -origin - 1])
      : { file: state.batchFile ?? options.file, line: origin, column };

  /** A bad batch-file line (`batch-line`) or a bad item on one (`bad-item`), at the current line. */
  const lineError = (
    state: StepState,
    code: "batch-line" | "bad-item",
    summary: string,
    column: number,
    hint: string | undefined,
  ): void => {
    state.lineErrors++;
    if (state.lineErrors <= MAX_REPORTED) {
      state.diagnostics.push(
        makeError(code, summary, locationOf(state, state.lines, column), hint),
      );
    }
  };

  const makeTransferState = (index: number, step: Step, transfer: TransferStep): StepState => {
    const planOptions = planTransferOptions(effectiveTransferOptions(workflow, transfer));
    const head = {
      sourceCollectionId: idOf(transfer.source),
      destinationCollectionId: idOf(transfer.destination),
      options: planOptions,
    };
    const from = transfer.itemsFrom;
    // Only an item copied onto itself can be wrong once the line parsed, and only then.
    const sameCollection = head.sourceCollectionId === head.destinationCollectionId;
    const stepAlgorithm = planOptions.checksumAlgorithm;
    /** Prefixes without quotes or backslashes, so a line without them gives paths without them. */
    const plainPrefixes =
      typeof from !== "object" ||
      ((from.sourcePrefix === undefined || isPlainJsonString(from.sourcePrefix)) &&
        (from.destinationPrefix === undefined || isPlainJsonString(from.destinationPrefix)));
    const collector: BatchCollector = makeBatchCollector(
      destinationOfLine,
      (itemsJson) =>
        transferBatchFingerprint(head, itemsJson as ItemsJson<PlanTransferItem>, sha256),
      limits,
    );
    const parse: BatchLineParser<BatchTransferItem> = makeTransferBatchLineParser(
      typeof from === "object"
        ? {
            ...(from.sourcePrefix === undefined ? {} : { sourcePrefix: from.sourcePrefix }),
            ...(from.destinationPrefix === undefined
              ? {}
              : { destinationPrefix: from.destinationPrefix }),
          }
        : {},
    );
    /** Adds an item; `plain` when neither path holds a quote, backslash or line feed. */
    const add = (
      source: string,
      destination: string,
      recursive: boolean | undefined,
      externalChecksum: string | undefined,
      checksumAlgorithm: string | undefined,
      origin: number,
      plain: boolean,
    ): void => {
      const algorithm = checksumAlgorithm ?? stepAlgorithm;
      const pair =
        recursive === undefined &&
        externalChecksum === undefined &&
        algorithm === undefined &&
        (plain || (isPlainJsonString(source) && isPlainJsonString(destination)));
      const earlier = pair
        ? collector.addPair(source, destination, origin)
        : collector.add(
            JSON.stringify(
              transferTuple(source, destination, recursive, externalChecksum, algorithm),
            ),
            destination,
            origin,
          );
      if (earlier < 0) {
        if (recursive === true) state.recursiveItems++;
        return;
      }
      if (collector.wasIdentical()) {
        if (state.duplicates === 0) state.firstDuplicateOrigin = origin;
        state.duplicates++;
        return;
      }
      state.conflicts++;
      if (state.conflicts > MAX_REPORTED) return;
      const firstSource = (JSON.parse(collector.lineAt(earlier)) as PlanTransferItem)[0];
      const firstOrigin = collector.originAt(earlier);
      const what =
        firstSource === source
          ? `${source} twice, in different ways`
          : `${firstSource} (${describeOrigin(state, firstOrigin)}) and ${source}`;
      state.diagnostics.push(
        makeError(
          "duplicate-destination",
          `step "${step.id}": two items write ${destination}: ${what} (${describeOrigin(state, origin)})`,
          locationOf(state, origin),
          "each destination path is written by one item: remove one, or give it another destination",
        ),
      );
    };
    const state: StepState = {
      index,
      step,
      batchFile: from === undefined ? undefined : typeof from === "string" ? from : from.path,
      ...freshCounts(),
      addLine: (line) => {
        state.lines++;
        const parsed = parse(line);
        if (parsed.kind === "blank") return;
        if (parsed.kind === "error") {
          lineError(
            state,
            "batch-line",
            `cannot parse this line: ${parsed.message}`,
            parsed.column,
            parsed.hint,
          );
          return;
        }
        const item = parsed.item;
        if (sameCollection) {
          const problem = transferItemProblem(workflow, transfer, {
            source: item.sourcePath,
            destination: item.destinationPath,
          });
          if (problem !== undefined) {
            lineError(state, "bad-item", problem, 1, undefined);
            return;
          }
        }
        add(
          item.sourcePath,
          item.destinationPath,
          item.recursive,
          item.externalChecksum,
          undefined,
          state.lines,
          plainPrefixes && hasNoQuotes(line),
        );
      },
      finish: () => {
        const batches = collector.finish() as PlanBatch<PlanTransferItem>[];
        return {
          id: step.id,
          action: "transfer",
          ...(step.description === undefined ? {} : { description: step.description }),
          needs: step.needs ?? [],
          source: transfer.source,
          sourceCollectionId: head.sourceCollectionId,
          destination: transfer.destination,
          destinationCollectionId: head.destinationCollectionId,
          options: planOptions,
          itemCount: collector.size(),
          duplicatesRemoved: state.duplicates,
          batches,
        };
      },
    };
    (transfer.items ?? []).forEach((item, j) => {
      add(
        normalizeGlobusPath(item.source),
        normalizeGlobusPath(item.destination),
        item.recursive,
        item.externalChecksum,
        item.checksumAlgorithm,
        inlineOrigin(j),
        false,
      );
    });
    return state;
  };

  const makePathState = (
    index: number,
    step: Step,
    kind: "delete" | "mkdir",
    paths: readonly string[],
    batchFile: string | undefined,
    prefix: string | undefined,
  ): StepState => {
    const collectionAlias = step.delete?.collection ?? step.mkdir?.collection ?? "";
    const collectionId = idOf(collectionAlias);
    const deleteOptions = step.delete ? planDeleteOptions(workflow, step.delete) : {};
    const deleteHead = { collectionId, options: deleteOptions };
    const collector = makeBatchCollector(
      pathOfLine,
      (itemsJson) =>
        kind === "mkdir"
          ? mkdirFingerprint({ collectionId }, itemsJson as ItemsJson<string>, sha256)
          : deleteBatchFingerprint(deleteHead, itemsJson as ItemsJson<string>, sha256),
      kind === "mkdir" ? { maxItems: 1, maxBytes: limits.maxBytes } : limits,
    );
    const parse = makeDeleteBatchLineParser(prefix === undefined ? {} : { prefix });
    const plainPrefix = prefix === undefined || isPlainJsonString(prefix);
    /** Adds a path; `plain` when it holds no quote, backslash or line feed. */
    const add = (path: string, origin: number, plain: boolean): void => {
      const earlier =
        plain || isPlainJsonString(path)
          ? collector.addString(path, origin)
          : collector.add(JSON.stringify(path), path, origin);
      if (earlier >= 0) {
        if (state.duplicates === 0) state.firstDuplicateOrigin = origin;
        state.duplicates++;
      }
    };
    const state: StepState = {
      index,
      step,
      batchFile,
      ...freshCounts(),
      addLine: (line) => {
        state.lines++;
        const parsed = parse(line);
        if (parsed.kind === "item") {
          add(parsed.item.path, state.lines, plainPrefix && hasNoQuotes(line));
        } else if (parsed.kind === "error") {
          const summary = `cannot parse this line: ${parsed.message}`;
          lineError(state, "batch-line", summary, parsed.column, parsed.hint);
        }
      },
      finish: () => {
        const batches = collector.finish() as PlanBatch<string>[];
        const description = step.description === undefined ? {} : { description: step.description };
        const needs = step.needs ?? [];
        const counts = { itemCount: collector.size(), duplicatesRemoved: state.duplicates };
        if (kind === "mkdir") {
          return {
            id: step.id,
            action: "mkdir",
            ...description,
            needs,
            collection: collectionAlias,
            collectionId,
            ...counts,
            batches,
          };
        }
        return {
          id: step.id,
          action: "delete",
          ...description,
          needs,
          collection: collectionAlias,
          collectionId,
          options: deleteOptions,
          ...counts,
          batches,
        };
      },
    };
    paths.forEach((path, j) => {
      add(normalizeGlobusPath(path), inlineOrigin(j), false);
    });
    return state;
  };

  const order = dependencyOrder(workflow.steps.map((s) => ({ id: s.id, needs: s.needs ?? [] })));
  const indexById = new Map(workflow.steps.map((s, i) => [s.id, i]));
  const states = new Map<string, StepState>();
  for (const id of order) {
    const index = indexById.get(id) ?? 0;
    const step = workflow.steps[index];
    if (step === undefined) continue;
    if (step.transfer) {
      states.set(id, makeTransferState(index, step, step.transfer));
    } else if (step.delete) {
      const from = step.delete.itemsFrom;
      states.set(
        id,
        makePathState(
          index,
          step,
          "delete",
          step.delete.items ?? [],
          from === undefined ? undefined : typeof from === "string" ? from : from.path,
          typeof from === "object" ? from.prefix : undefined,
        ),
      );
    } else if (step.mkdir) {
      states.set(id, makePathState(index, step, "mkdir", step.mkdir.paths, undefined, undefined));
    }
  }

  let finished = false;

  const addBatchLines = (stepId: string, lines: Iterable<string>): void => {
    const state = states.get(stepId);
    if (state?.batchFile === undefined) {
      builderDiagnostics.push(
        makeError(
          "plan-batch-lines",
          `batch-file lines were given for step "${stepId}", which reads no itemsFrom file`,
          locate(state === undefined ? ["steps"] : ["steps", state.index]),
        ),
      );
      return;
    }
    state.fed = true;
    const addLine = state.addLine;
    for (const line of lines) addLine(line);
  };

  const finish = (): PlanResult => {
    if (finished) throw new Error("makePlanBuilder: finish() was already called");
    finished = true;
    const diagnostics: Diagnostic[] = [...builderDiagnostics];
    const steps: PlanStep[] = [];

    for (const state of states.values()) {
      const { step, index } = state;
      const path = ["steps", index];
      if (state.batchFile !== undefined && !state.fed) {
        diagnostics.push(
          makeError(
            "plan-batch-lines",
            `the lines of ${state.batchFile} (itemsFrom of step "${step.id}") were not given to the planner`,
            locate([...path, step.transfer ? "transfer" : "delete", "itemsFrom"]),
          ),
        );
      }
      diagnostics.push(...state.diagnostics);
      if (state.lineErrors > MAX_REPORTED) {
        diagnostics.push(
          makeError(
            "batch-line",
            `… and ${plural(state.lineErrors - MAX_REPORTED, "more bad line")} in ${state.batchFile}`,
            { file: state.batchFile ?? options.file },
          ),
        );
      }
      if (state.conflicts > MAX_REPORTED) {
        diagnostics.push(
          makeError(
            "duplicate-destination",
            `step "${step.id}": … and ${plural(state.conflicts - MAX_REPORTED, "more item")} writing a destination another item writes`,
            locate(path),
          ),
        );
      }
      const planned = state.finish();
      if (state.duplicates > 0) {
        diagnostics.push(
          makeWarning(
            "duplicate-items",
            `step "${step.id}": ${plural(state.duplicates, "duplicate item")} removed (first duplicate: ${describeOrigin(state, state.firstDuplicateOrigin)})`,
            locate(path),
            "an item listed twice is copied once",
          ),
        );
      }
      if (state.batchFile !== undefined && step.transfer) {
        diagnostics.push(
          ...transferItemsProblems(
            workflow,
            index,
            { items: planned.itemCount, recursiveItems: state.recursiveItems },
            locate,
          ),
        );
      } else if (state.batchFile !== undefined && planned.itemCount === 0 && state.fed) {
        diagnostics.push(
          makeError(
            "no-items",
            `step "${step.id}" has no paths to delete`,
            locate([...path, "delete"]),
            "add items: or lines to the itemsFrom file",
          ),
        );
      }
      steps.push(planned);
    }

    // Collections and consents.
    const uses = collectionUses(workflow);
    const who = options.identity ?? "user";
    const resolved = resolveCollections(workflow, facts.collections ?? {}, uses, who, locate);
    diagnostics.push(...resolved.diagnostics);
    const inputs: Record<string, InputValue> = {};
    for (const name of Object.keys(workflow.inputs ?? {})) {
      const value = options.inputs?.[name];
      if (value !== undefined) inputs[name] = value;
    }
    const consents = planConsents(
      resolved.collections,
      resolved.sessions,
      facts.granted,
      consentCommand(options.file, workflow, inputs),
      locate,
    );
    diagnostics.push(...consents.diagnostics);

    // Limits.
    let transferTasks = 0;
    let deleteTasks = 0;
    let mkdirOperations = 0;
    let items = 0;
    for (const step of steps) {
      items += step.itemCount;
      const tasks = step.batches.length;
      if (step.action === "mkdir") {
        mkdirOperations += tasks;
        continue;
      }
      if (step.action === "transfer") transferTasks += tasks;
      else deleteTasks += tasks;
      if (tasks > GLOBUS_MAX_ACTIVE_TASKS && step.options.deadline !== undefined) {
        diagnostics.push(
          makeWarning(
            "queued-tasks-deadline",
            `step "${step.id}" makes ${tasks} ${step.action} tasks with deadline ${step.options.deadline}: Globus works on ${GLOBUS_MAX_ACTIVE_TASKS} at a time per user, and the others wait in its queue while their deadline runs`,
            locate(["steps", indexById.get(step.id) ?? 0, step.action, "deadline"]),
            "allow for the queue in the deadline, or leave the deadline out",
          ),
        );
      }
    }
    const tasks = transferTasks + deleteTasks;
    if (tasks > GLOBUS_MAX_PENDING_TASKS) {
      diagnostics.push(
        makeWarning(
          "too-many-tasks",
          `the plan makes ${tasks} tasks, more than the ${GLOBUS_MAX_PENDING_TASKS} pending tasks Globus allows per user: the run submits more only as earlier ones finish`,
          locate([]),
          "larger batches (maxItemsPerBatch) or fewer items keep it at one submission round",
        ),
      );
    }

    if (hasErrors(diagnostics)) return { diagnostics };
    const plan: Plan = {
      format: PLAN_FORMAT,
      createdAt: options.createdAt,
      workflow: {
        name: workflow.name,
        file: options.file,
        fingerprint: workflowFingerprint(workflow, sha256),
      },
      inputs,
      identity: who,
      collections: resolved.collections,
      consents: consents.consents,
      limits: {
        maxItemsPerBatch: limits.maxItems,
        maxBatchBytes: limits.maxBytes,
        items,
        tasks,
        transferTasks,
        deleteTasks,
        mkdirOperations,
        maxPendingTasks: GLOBUS_MAX_PENDING_TASKS,
        maxActiveTasks: GLOBUS_MAX_ACTIVE_TASKS,
      },
      warnings: diagnostics.filter((d) => d.severity === "warning"),
      steps,
    };
    return { plan, diagnostics };
  };

  return { addBatchLines, finish };
};

/**
 * Plans a workflow: resolves collection facts, the consents the run needs (and which it lacks),
 * expands each `itemsFrom` file from `options.batchLines`, removes duplicate items, cuts every
 * step into batches with fingerprints, and checks the plan against Globus's task limits.
 * The same arguments always give the same plan. See `makePlanBuilder` to feed lines as they are read.
 */
export const planWorkflow = (
  workflow: Workflow,
  facts: PlanFacts,
  options: PlanOptions,
): PlanResult => {
  const builder = makePlanBuilder(workflow, facts, options);
  for (const [stepId, lines] of Object.entries(options.batchLines ?? {})) {
    builder.addBatchLines(stepId, lines);
  }
  return builder.finish();
};
