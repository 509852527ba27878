/**
 * Reading workflow files from disk: YAML and JSON as text, TypeScript through tsx. All I/O of
 * loading lives here; what the content means is decided by @transflow/core. No Effect import, so
 * `transflow validate` starts fast.
 */
import { readFile, stat } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  type Diagnostic,
  type InputValue,
  type Locator,
  makeError,
  parseWorkflowText,
  pathOnlyLocator,
} from "@transflow/core";

/** Workflow files are small; long item lists belong in an `itemsFrom` batch file. */
export const MAX_WORKFLOW_BYTES = 4 * 1024 * 1024;

export type WorkflowFormat = "yaml" | "json" | "typescript" | "javascript";

export interface LoadedWorkflowFile {
  readonly file: string;
  readonly format: WorkflowFormat;
  /** The document (or module default export) as plain data; undefined when it could not be read. */
  readonly value: unknown;
  readonly locate: Locator;
  readonly diagnostics: readonly Diagnostic[];
}

export const workflowFormatOf = (file: string): WorkflowFormat => {
  switch (extname(file).toLowerCase()) {
    case ".ts":
    case ".mts":
    case ".cts":
      return "typescript";
    case ".js":
    case ".mjs":
      return "javascript";
    case ".json":
      return "json";
    default:
      return "yaml";
  }
};

const failed = (
  file: string,
  format: WorkflowFormat,
  diagnostic: Diagnostic,
): LoadedWorkflowFile => ({
  file,
  format,
  value: undefined,
  locate: pathOnlyLocator(file),
  diagnostics: [diagnostic],
});

const describeFsError = (error: unknown): string => {
  const code = (error as { code?: string }).code;
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "this is a directory, not a file";
    default:
      return error instanceof Error ? error.message : String(error);
  }
};

const megabytes = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/**
 * Reads a text file the way workflow files must be: not too large, not binary, valid UTF-8.
 * Returns the text or the one diagnostic that explains why not.
 */
export const readTextFile = async (
  file: string,
  maxBytes: number,
  what: string,
): Promise<{ text: string } | { diagnostic: Diagnostic }> => {
  try {
    const info = await stat(file);
    if (info.isDirectory()) {
      return {
        diagnostic: makeError("unreadable", `${what}: this is a directory, not a file`, { file }),
      };
    }
    if (info.size > maxBytes) {
      return {
        diagnostic: makeError(
          "too-large",
          `${what} is ${megabytes(info.size)}; the limit is ${megabytes(maxBytes)}`,
          { file },
          "keep long item lists in a batch file and point itemsFrom: at it",
        ),
      };
    }
    const bytes = await readFile(file);
    if (bytes.subarray(0, 8192).includes(0)) {
      return {
        diagnostic: makeError("binary-file", `${what} is not a text file (it contains NUL bytes)`, {
          file,
        }),
      };
    }
    try {
      const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
      return { text };
    } catch {
      return {
        diagnostic: makeError(
          "not-utf8",
          `${what} is not valid UTF-8 text`,
          { file },
          "save it as UTF-8",
        ),
      };
    }
  } catch (error) {
    return {
      diagnostic: makeError("unreadable", `cannot read ${what}: ${describeFsError(error)}`, {
        file,
      }),
    };
  }
};

/** Finds `file:line:col` of the first stack frame inside `file`, if any. */
const frameIn = (error: unknown, file: string): { line: number; column: number } | undefined => {
  const stack = error instanceof Error ? (error.stack ?? "") : "";
  const url = pathToFileURL(resolve(file)).href;
  for (const candidate of [url, resolve(file)]) {
    const at = stack.indexOf(candidate);
    if (at < 0) continue;
    const match = /^[^:]*:(\d+):(\d+)/.exec(stack.slice(at + candidate.length));
    if (match) return { line: Number(match[1]), column: Number(match[2]) };
  }
  return undefined;
};

const firstLine = (text: string): string => (text.split("\n")[0] ?? text).trim();

/**
 * A .ts file outside an ESM package is compiled as CommonJS; its ES exports then sit on
 * `module.exports`, which the namespace exposes as `default`. Unwrap that to the real exports.
 */
const esModuleOf = (namespace: { default?: unknown }): { default?: unknown } => {
  const inner = namespace.default as { __esModule?: boolean; default?: unknown } | undefined;
  return inner !== null && typeof inner === "object" && inner.__esModule === true
    ? inner
    : namespace;
};

/** Imports a TypeScript or JavaScript workflow module and takes its default export as data. */
const loadModule = async (file: string, format: WorkflowFormat): Promise<LoadedWorkflowFile> => {
  const info = await stat(file).catch((error: unknown) => error);
  if (info instanceof Error || !(info as { isFile(): boolean }).isFile()) {
    return failed(
      file,
      format,
      makeError("unreadable", `cannot read the workflow: ${describeFsError(info)}`, { file }),
    );
  }
  const url = pathToFileURL(resolve(file)).href;
  let module: { default?: unknown };
  try {
    // Stack frames then name the .ts source line, so a throwing workflow is reported in place.
    process.setSourceMapsEnabled(true);
    if (format === "typescript") {
      const { tsImport } = await import("tsx/esm/api");
      module = esModuleOf((await tsImport(url, import.meta.url)) as { default?: unknown });
    } else {
      module = esModuleOf((await import(url)) as { default?: unknown });
    }
  } catch (error) {
    const where = frameIn(error, file);
    const message = error instanceof Error ? firstLine(error.message) : String(error);
    return failed(
      file,
      format,
      makeError(
        "module-failed",
        `loading the workflow module failed: ${message}`,
        { file, ...(where ?? {}) },
        "fix the error in the module; it must export default defineWorkflow({...})",
      ),
    );
  }
  if (module.default === undefined) {
    return failed(
      file,
      format,
      makeError(
        "no-default-export",
        "the module has no default export",
        { file, line: 1, column: 1 },
        'add `export default defineWorkflow({...})` (import { defineWorkflow } from "@transflow/core")',
      ),
    );
  }
  return { file, format, value: module.default, locate: pathOnlyLocator(file), diagnostics: [] };
};

/** Loads a workflow file of any supported format into plain data plus a locator for diagnostics. */
export const loadWorkflowFile = async (file: string): Promise<LoadedWorkflowFile> => {
  const format = workflowFormatOf(file);
  if (format === "typescript" || format === "javascript") return loadModule(file, format);
  const read = await readTextFile(file, MAX_WORKFLOW_BYTES, "the workflow file");
  if ("diagnostic" in read) return failed(file, format, read.diagnostic);
  const parsed = parseWorkflowText(read.text, file);
  return { file, format, ...parsed };
};

export type { InputValue };
