/**
 * From a parsed document (or a TypeScript workflow's default export) to a checked, resolved
 * `Workflow`: inputs and templates first, then the schema, then the rules that span the document
 * (aliases, the step graph, Globus's offline rules). Every problem is returned, none thrown.
 */
import type { z } from "zod";
import {
  type Diagnostic,
  formatPath,
  hasErrors,
  makeError,
  makeWarning,
} from "../diagnostics/Diagnostic.ts";
import { suggestion } from "../diagnostics/DidYouMean.ts";
import { normalizeGlobusPath } from "./GlobusPath.ts";
import { findCycles } from "./Graph.ts";
import { type InputValue, renderTemplates } from "./Templates.ts";
import type { DataPath, Locator } from "./WorkflowDocument.ts";
import {
  type Input,
  InputSchema,
  type TransferItem,
  type TransferOptions,
  type TransferStep,
  type Workflow,
  WorkflowSchema,
} from "./WorkflowSchema.ts";

export interface CheckWorkflowOptions {
  readonly file: string;
  /** The parsed document, or a TypeScript workflow's default export. */
  readonly value: unknown;
  readonly locate: Locator;
  /** Input values given by the user; strings (from `--input k=v`) are converted to the declared type. */
  readonly inputs?: Readonly<Record<string, InputValue>>;
  /** The environment for `${{ env.X }}`; the runner passes process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A batch file a step reads items from; the runner reads it and feeds its lines back to core. */
export interface BatchFileRef {
  readonly stepIndex: number;
  readonly stepId: string;
  readonly kind: "transfer" | "delete";
  /** As written in the workflow: relative to the workflow file unless absolute. */
  readonly path: string;
  readonly sourcePrefix?: string;
  readonly destinationPrefix?: string;
  /** For delete batch files. */
  readonly prefix?: string;
  /** Where `itemsFrom` stands in the workflow, for diagnostics. */
  readonly at: DataPath;
}

export interface CheckWorkflowResult {
  /** Present when there are no errors. */
  readonly workflow?: Workflow;
  /** The input values in force (given, converted, or defaults). */
  readonly inputs: Readonly<Record<string, InputValue>>;
  readonly batchFiles: readonly BatchFileRef[];
  readonly diagnostics: readonly Diagnostic[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

const valueAt = (root: unknown, path: DataPath): unknown => {
  let node: unknown = root;
  for (const key of path) {
    if (Array.isArray(node) && typeof key === "number") node = node[key];
    else if (isRecord(node) && typeof key === "string") node = node[key];
    else return undefined;
  }
  return node;
};

const describeType = (value: unknown): string =>
  value === null
    ? "null"
    : Array.isArray(value)
      ? "a list"
      : isRecord(value)
        ? "a mapping"
        : typeof value;

// --- inputs -------------------------------------------------------------------------------------

const convertInput = (
  name: string,
  raw: InputValue,
  declared: Input,
): { value: InputValue } | { error: string } => {
  if (typeof raw === declared.type) return { value: raw };
  if (typeof raw !== "string") return { error: `input "${name}" must be a ${declared.type}` };
  if (declared.type === "number") {
    const n = raw.trim() === "" ? Number.NaN : Number(raw);
    return Number.isFinite(n)
      ? { value: n }
      : { error: `input "${name}" must be a number, got "${raw}"` };
  }
  const lower = raw.trim().toLowerCase();
  if (["true", "yes", "1", "on"].includes(lower)) return { value: true };
  if (["false", "no", "0", "off"].includes(lower)) return { value: false };
  return { error: `input "${name}" must be true or false, got "${raw}"` };
};

const resolveInputs = (
  rawInputs: unknown,
  given: Readonly<Record<string, InputValue>>,
  options: CheckWorkflowOptions,
  diagnostics: Diagnostic[],
): { values: Record<string, InputValue>; declared: string[] } => {
  const declared = isRecord(rawInputs) ? Object.keys(rawInputs) : [];
  const values: Record<string, InputValue> = {};
  for (const name of Object.keys(given)) {
    if (!declared.includes(name)) {
      diagnostics.push(
        makeError(
          "unknown-input",
          `--input ${name}: the workflow declares no input "${name}"`,
          { file: options.file },
          suggestion(name, declared) ?? "this workflow declares no inputs",
        ),
      );
    }
  }
  for (const name of declared) {
    const parsed = InputSchema.safeParse(isRecord(rawInputs) ? rawInputs[name] : undefined);
    if (!parsed.success) continue; // reported by the schema pass
    const input = parsed.data;
    const raw = given[name];
    if (raw !== undefined) {
      const converted = convertInput(name, raw, input);
      if ("error" in converted) {
        diagnostics.push(
          makeError("bad-input-value", converted.error, options.locate(["inputs", name])),
        );
      } else {
        values[name] = converted.value;
      }
    } else if (input.default !== undefined) {
      values[name] = input.default;
    } else {
      diagnostics.push(
        makeError(
          "missing-input",
          `input "${name}" is required${input.description ? ` (${input.description})` : ""}`,
          options.locate(["inputs"], { key: name }),
          `pass --input ${name}=VALUE, or give it a default`,
        ),
      );
    }
  }
  return { values, declared };
};

// --- schema issues → diagnostics ----------------------------------------------------------------

interface SchemaDef {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly element?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly options?: readonly z.ZodType[];
}

const defOf = (schema: z.ZodType): SchemaDef =>
  (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;

/** The keys a strict object at `path` allows, for did-you-mean on unknown keys. */
const knownKeysAt = (root: z.ZodType, path: DataPath): string[] => {
  const objectsAt = (schema: z.ZodType, rest: DataPath): z.ZodType[] => {
    const def = defOf(schema);
    switch (def.type) {
      case "optional":
      case "default":
      case "nullable":
        return def.innerType ? objectsAt(def.innerType, rest) : [];
      case "pipe":
        return def.in ? objectsAt(def.in, rest) : [];
      case "union":
        return (def.options ?? []).flatMap((o) => objectsAt(o, rest));
      case "array":
        return rest.length > 0 && def.element ? objectsAt(def.element, rest.slice(1)) : [];
      case "record":
        return rest.length > 0 && def.valueType ? objectsAt(def.valueType, rest.slice(1)) : [];
      case "object": {
        if (rest.length === 0) return [schema];
        const child = def.shape?.[String(rest[0])];
        return child ? objectsAt(child, rest.slice(1)) : [];
      }
      default:
        return [];
    }
  };
  return objectsAt(root, path).flatMap((o) => Object.keys(defOf(o).shape ?? {}));
};

const expectedName = (expected: string): string =>
  expected === "object" || expected === "record"
    ? "a mapping"
    : expected === "array"
      ? "a list"
      : `a ${expected}`;

const issueDiagnostics = (
  issue: z.core.$ZodIssue,
  basePath: DataPath,
  value: unknown,
  locate: Locator,
): Diagnostic[] => {
  const path = [...basePath, ...(issue.path as (string | number)[])];
  const where = path.length > 0 ? `${formatPath(path)}: ` : "";
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) =>
        makeError(
          "unknown-key",
          `${where}unknown key "${key}"`,
          locate(path, { key }),
          suggestion(key, knownKeysAt(WorkflowSchema, path)),
        ),
      );
    case "invalid_union": {
      // Report the branch that got furthest: the one whose problems are not about the type itself.
      const branch = issue.errors.find((errors) =>
        errors.every((e) => e.code !== "invalid_type" || e.path.length > 0),
      );
      if (branch) return branch.flatMap((e) => issueDiagnostics(e, path, value, locate));
      return [makeError("invalid-type", `${where}${issue.message}`, locate(path))];
    }
    case "invalid_type": {
      const actual = valueAt(value, path);
      const summary =
        actual === undefined
          ? `missing required key "${String(path[path.length - 1])}"`
          : `${where}expected ${expectedName(issue.expected)}, got ${describeType(actual)}`;
      const hint =
        (issue.expected === "object" || issue.expected === "record") && Array.isArray(actual)
          ? "remove the leading '- ': this is a mapping of key: value, not a list"
          : issue.expected === "array" && isRecord(actual)
            ? "write each entry on its own line starting with '- '"
            : issue.expected === "array" && typeof actual === "string"
              ? `write it as a list: [${actual}]`
              : undefined;
      return [
        makeError(
          actual === undefined ? "missing-key" : "invalid-type",
          summary,
          locate(path),
          hint,
        ),
      ];
    }
    case "invalid_value":
      return [
        makeError(
          "invalid-value",
          `${where}${issue.values.length === 1 ? `must be ${JSON.stringify(issue.values[0])}` : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`}`,
          locate(path),
          typeof valueAt(value, path) === "string"
            ? suggestion(String(valueAt(value, path)), issue.values.map(String))
            : undefined,
        ),
      ];
    case "custom": {
      const code = (issue.params as { diagnostic?: string } | undefined)?.diagnostic;
      return [makeError(code ?? "invalid-value", `${where}${issue.message}`, locate(path))];
    }
    default:
      return [makeError("invalid-value", `${where}${issue.message}`, locate(path))];
  }
};

// --- rules that span the document ---------------------------------------------------------------

const stepKindOf = (step: Workflow["steps"][number]): "transfer" | "delete" | "mkdir" =>
  step.transfer ? "transfer" : step.delete ? "delete" : "mkdir";

/** A step's transfer options with `defaults.transfer` filled in where the step sets nothing. */
export const effectiveTransferOptions = (
  workflow: Workflow,
  step: TransferStep,
): TransferOptions => ({ ...workflow.defaults?.transfer, ...withoutUndefined(step) });

const withoutUndefined = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

/** The problem with one transfer item, if any (shared by inline items and batch-file lines). */
export const transferItemProblem = (
  workflow: Workflow,
  step: TransferStep,
  item: Pick<TransferItem, "source" | "destination" | "recursive" | "externalChecksum">,
): string | undefined => {
  if (item.recursive === true && item.externalChecksum !== undefined) {
    return "externalChecksum is for files; it cannot be used with recursive";
  }
  const source = workflow.collections[step.source];
  const destination = workflow.collections[step.destination];
  if (source && destination && source.id === destination.id) {
    const from = normalizeGlobusPath(item.source).replace(/\/$/, "");
    const to = normalizeGlobusPath(item.destination).replace(/\/$/, "");
    if (from === to) return `copies ${item.source} onto itself (same collection, same path)`;
  }
  return undefined;
};

/**
 * Rules on a transfer step's items as a whole, given how many items there are and how many are
 * recursive (from the inline list and every batch file together).
 */
export const transferItemsProblems = (
  workflow: Workflow,
  stepIndex: number,
  counts: { readonly items: number; readonly recursiveItems: number },
  locate: Locator,
): Diagnostic[] => {
  const step = workflow.steps[stepIndex];
  if (!step?.transfer) return [];
  const path = ["steps", stepIndex, "transfer"];
  const options = effectiveTransferOptions(workflow, step.transfer);
  const out: Diagnostic[] = [];
  if (counts.items === 0) {
    out.push(
      makeError(
        "no-items",
        `step "${step.id}" has no items to transfer`,
        locate(path),
        "add items: or itemsFrom:",
      ),
    );
    return out;
  }
  if (counts.recursiveItems === 0) {
    const inherited = (key: "filterRules" | "deleteDestinationExtra") =>
      step.transfer?.[key] === undefined;
    if (options.filterRules && options.filterRules.length > 0) {
      const d = inherited("filterRules") ? makeWarning : makeError;
      out.push(
        d(
          "filter-needs-recursive",
          `step "${step.id}": filter rules only apply to recursive items, and it has none`,
          locate(inherited("filterRules") ? path : [...path, "filterRules"]),
          "mark the directory items recursive: true, or remove the filter rules",
        ),
      );
    }
    if (options.deleteDestinationExtra === true) {
      const d = inherited("deleteDestinationExtra") ? makeWarning : makeError;
      out.push(
        d(
          "mirror-needs-recursive",
          `step "${step.id}": deleteDestinationExtra needs recursive items, and it has none`,
          locate(inherited("deleteDestinationExtra") ? path : [...path, "deleteDestinationExtra"]),
          "mark the directory items recursive: true",
        ),
      );
    }
  }
  return out;
};

type ItemsFrom =
  | string
  | {
      path: string;
      sourcePrefix?: string | undefined;
      destinationPrefix?: string | undefined;
      prefix?: string | undefined;
    };

const batchFileRef = (
  stepIndex: number,
  stepId: string,
  kind: BatchFileRef["kind"],
  at: DataPath,
  from: ItemsFrom,
): BatchFileRef => {
  if (typeof from === "string") return { stepIndex, stepId, kind, at, path: from };
  const { sourcePrefix, destinationPrefix, prefix } = from;
  return {
    stepIndex,
    stepId,
    kind,
    at,
    path: from.path,
    ...(sourcePrefix === undefined ? {} : { sourcePrefix }),
    ...(destinationPrefix === undefined ? {} : { destinationPrefix }),
    ...(prefix === undefined ? {} : { prefix }),
  };
};

const checkDocument = (
  workflow: Workflow,
  locate: Locator,
): { diagnostics: Diagnostic[]; batchFiles: BatchFileRef[] } => {
  const diagnostics: Diagnostic[] = [];
  const batchFiles: BatchFileRef[] = [];
  const aliases = Object.keys(workflow.collections);
  const used = new Set<string>();
  const checkAlias = (alias: string, path: DataPath): void => {
    used.add(alias);
    if (workflow.collections[alias] === undefined) {
      diagnostics.push(
        makeError(
          "unknown-collection",
          `${formatPath(path)}: no collection "${alias}" is declared`,
          locate(path),
          suggestion(alias, aliases),
        ),
      );
    }
  };

  // Step ids and the graph.
  const ids = workflow.steps.map((s) => s.id);
  const firstIndex = new Map<string, number>();
  workflow.steps.forEach((step, i) => {
    const earlier = firstIndex.get(step.id);
    if (earlier !== undefined) {
      diagnostics.push(
        makeError(
          "duplicate-step",
          `steps[${i}].id: step id "${step.id}" is already used by steps[${earlier}]`,
          locate(["steps", i, "id"]),
          "give every step its own id",
        ),
      );
    } else {
      firstIndex.set(step.id, i);
    }
    (step.needs ?? []).forEach((need, j) => {
      const path = ["steps", i, "needs", j];
      if (need === step.id) {
        diagnostics.push(makeError("self-need", `step "${step.id}" needs itself`, locate(path)));
      } else if (!ids.includes(need)) {
        diagnostics.push(
          makeError(
            "unknown-step",
            `step "${step.id}" needs "${need}", but there is no step with that id`,
            locate(path),
            suggestion(need, ids),
          ),
        );
      }
    });
  });
  const cycles = findCycles(
    workflow.steps.map((s) => ({ id: s.id, needs: (s.needs ?? []).filter((n) => n !== s.id) })),
  );
  for (const cycle of cycles) {
    const first = cycle[0] ?? "";
    diagnostics.push(
      makeError(
        "cycle",
        `the steps depend on each other in a cycle: ${cycle.join(" → ")}`,
        locate(["steps", firstIndex.get(first) ?? 0, "needs"]),
        "remove one of these needs",
      ),
    );
  }

  // Per-step rules.
  workflow.steps.forEach((step, i) => {
    const base = ["steps", i, stepKindOf(step)];
    if (step.transfer) {
      const transfer = step.transfer;
      checkAlias(transfer.source, [...base, "source"]);
      checkAlias(transfer.destination, [...base, "destination"]);
      let recursiveItems = 0;
      (transfer.items ?? []).forEach((item, j) => {
        if (item.recursive === true) recursiveItems++;
        const problem = transferItemProblem(workflow, transfer, item);
        if (problem) {
          diagnostics.push(
            makeError("bad-item", `items[${j}]: ${problem}`, locate([...base, "items", j])),
          );
        }
      });
      if (transfer.itemsFrom !== undefined) {
        const from = transfer.itemsFrom;
        batchFiles.push(batchFileRef(i, step.id, "transfer", [...base, "itemsFrom"], from));
      } else {
        diagnostics.push(
          ...transferItemsProblems(
            workflow,
            i,
            { items: transfer.items?.length ?? 0, recursiveItems },
            locate,
          ),
        );
      }
    } else if (step.delete) {
      checkAlias(step.delete.collection, [...base, "collection"]);
      const from = step.delete.itemsFrom;
      if (from !== undefined) {
        batchFiles.push(batchFileRef(i, step.id, "delete", [...base, "itemsFrom"], from));
      } else if ((step.delete.items ?? []).length === 0) {
        diagnostics.push(
          makeError(
            "no-items",
            `step "${step.id}" has no paths to delete`,
            locate(base),
            "add items: or itemsFrom:",
          ),
        );
      }
    } else if (step.mkdir) {
      checkAlias(step.mkdir.collection, [...base, "collection"]);
    }
  });

  for (const alias of aliases) {
    if (!used.has(alias)) {
      diagnostics.push(
        makeWarning(
          "unused-collection",
          `collection "${alias}" is declared but no step uses it`,
          locate(["collections", alias]),
        ),
      );
    }
  }
  return { diagnostics, batchFiles };
};

const pathKey = (path: DataPath | undefined, drop: number): string =>
  JSON.stringify((path ?? []).slice(0, drop === 0 ? undefined : drop));

/** Sorted by line and column, so a file reads top to bottom; unlocated ones first (stable). */
const inSourceOrder = (diagnostics: Diagnostic[]): Diagnostic[] =>
  [...diagnostics].sort(
    (a, b) => (a.at?.line ?? 0) - (b.at?.line ?? 0) || (a.at?.column ?? 0) - (b.at?.column ?? 0),
  );

/** Checks and resolves a workflow. See the module comment for the order of the passes. */
export const checkWorkflow = (options: CheckWorkflowOptions): CheckWorkflowResult => {
  const diagnostics: Diagnostic[] = [];
  const { value, locate } = options;
  if (!isRecord(value)) {
    diagnostics.push(
      makeError(
        "invalid-type",
        `a workflow is a mapping with version, name, collections and steps, but this file holds ${describeType(value)}`,
        locate([]),
      ),
    );
    return { inputs: {}, batchFiles: [], diagnostics };
  }
  const { values, declared } = resolveInputs(
    value.inputs,
    options.inputs ?? {},
    options,
    diagnostics,
  );
  const rendered = renderTemplates(
    value,
    { inputs: values, declaredInputs: declared, env: options.env ?? {} },
    locate,
    diagnostics,
    ["inputs", "$schema", "version"],
  );
  const parsed = WorkflowSchema.safeParse(rendered);
  if (!parsed.success) {
    const schemaDiagnostics = parsed.error.issues.flatMap((issue) =>
      issueDiagnostics(issue, [], rendered, locate),
    );
    // "needs one of transfer, delete or mkdir" only repeats a misspelt action key's error.
    const misspelt = new Set(
      schemaDiagnostics.filter((d) => d.code === "unknown-key").map((d) => pathKey(d.at?.path, -1)),
    );
    diagnostics.push(
      ...schemaDiagnostics.filter(
        (d) => !(d.code === "step-action" && misspelt.has(pathKey(d.at?.path, 0))),
      ),
    );
    return { inputs: values, batchFiles: [], diagnostics: inSourceOrder(diagnostics) };
  }
  const document = checkDocument(parsed.data, locate);
  diagnostics.push(...document.diagnostics);
  return {
    ...(hasErrors(diagnostics) ? {} : { workflow: parsed.data }),
    inputs: values,
    batchFiles: document.batchFiles,
    diagnostics: inSourceOrder(diagnostics),
  };
};
