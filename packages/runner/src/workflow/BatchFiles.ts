/**
 * Where a step's `itemsFrom` file is on disk, and how a failure to read it is reported: shared by
 * `validate` and `plan`, which stream the same files through different consumers.
 */
import { dirname, isAbsolute, resolve } from "node:path";
import { type BatchFileRef, type Diagnostic, type Locator, makeError } from "@transflow/core";
import { readLines, TextFileError } from "./LineReader.ts";

/** `itemsFrom` is relative to the workflow file unless absolute. */
export const batchFilePath = (workflowFile: string, ref: BatchFileRef): string =>
  isAbsolute(ref.path) ? ref.path : resolve(dirname(workflowFile), ref.path);

const reasonOf = (error: unknown): string => {
  if (error instanceof TextFileError) return error.message;
  const code = (error as { code?: string }).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "this is a directory, not a file";
  if (code === "EACCES") return "permission denied";
  return error instanceof Error ? error.message : String(error);
};

/**
 * Feeds every line of a step's batch file to `onLines`, a chunk at a time. Resolves to undefined
 * when the whole file was read, else to the diagnostic saying why it could not be.
 */
export const streamBatchFile = async (
  workflowFile: string,
  ref: BatchFileRef,
  locate: Locator,
  onLines: (lines: readonly string[]) => void,
): Promise<Diagnostic | undefined> => {
  const file = batchFilePath(workflowFile, ref);
  try {
    for await (const lines of readLines(file)) onLines(lines);
    return undefined;
  } catch (error) {
    return makeError(
      "batch-file",
      `cannot read the batch file ${ref.path} (${file}): ${reasonOf(error)}`,
      locate(ref.at),
      "itemsFrom is relative to the workflow file",
    );
  }
};
