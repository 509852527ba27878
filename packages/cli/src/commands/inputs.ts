/**
 * `--input name=value` and `--inputs-file FILE`, shared by every command that takes a workflow.
 */
import {
  type Diagnostic,
  type InputValue,
  parseInputArguments,
  parseInputsText,
} from "@transflow/core";
import { readTextFile } from "@transflow/runner/workflow";

export interface InputOptions {
  readonly input?: readonly string[];
  readonly inputsFile?: string;
}

/** The inputs given on the command line; `--input` wins over the inputs file. */
export const readInputs = async (
  options: InputOptions,
): Promise<{ inputs: Record<string, InputValue>; diagnostics: Diagnostic[] }> => {
  const diagnostics: Diagnostic[] = [];
  let fromFile: Record<string, InputValue> = {};
  if (options.inputsFile !== undefined) {
    const read = await readTextFile(options.inputsFile, 1024 * 1024, "the inputs file");
    if ("diagnostic" in read) diagnostics.push(read.diagnostic);
    else {
      const parsed = parseInputsText(read.text, options.inputsFile);
      diagnostics.push(...parsed.diagnostics);
      fromFile = parsed.inputs;
    }
  }
  const fromArgs = parseInputArguments(options.input ?? []);
  diagnostics.push(...fromArgs.diagnostics);
  return { inputs: { ...fromFile, ...fromArgs.inputs }, diagnostics };
};
