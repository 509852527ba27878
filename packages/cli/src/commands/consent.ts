/**
 * `transflow consent <workflow> [--input k=v] [--inputs-file F] [--no-local-server]`: logs in
 * asking for exactly the scope a run of the workflow needs (with its data_access dependencies),
 * merged with what is already consented to. Exit 0 done; 2 invalid workflow or usage; 3 the login
 * was refused or never completed; 1 anything else.
 */
import { hasErrors } from "@transflow/core";
import { workflowConsentScope } from "@transflow/runner";
import { prepareWorkflowFile } from "@transflow/runner/workflow";
import { ExitCode, type Io } from "../Io.ts";
import { renderDiagnostic } from "../render/Diagnostics.ts";
import { makeStyle } from "../render/Style.ts";
import { type InputOptions, readInputs } from "./inputs.ts";
import { type LoginCommandOptions, loginWith } from "./login.ts";

export interface ConsentCommandOptions extends InputOptions {
  readonly clientId?: string;
  readonly localServer?: boolean;
}

export const consentCommand = async (
  io: Io,
  file: string,
  options: ConsentCommandOptions,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<number> => {
  const err = makeStyle(io.stderr, io.env);
  const given = await readInputs(options);
  const prepared = hasErrors(given.diagnostics)
    ? undefined
    : await prepareWorkflowFile(file, { inputs: given.inputs, env: io.env });
  const diagnostics = [...given.diagnostics, ...(prepared?.diagnostics ?? [])];
  for (const d of diagnostics) io.stderr.write(renderDiagnostic(d, err));
  const workflow = prepared?.workflow;
  if (workflow === undefined || hasErrors(diagnostics)) {
    io.stderr.write(`${err.red("✗")} no consent asked: the workflow has errors\n`);
    return ExitCode.invalid;
  }
  const needed = await workflowConsentScope({ env: io.env, workflow });
  for (const note of needed.notes) io.stderr.write(`${err.yellow("note")}: ${note}\n`);
  io.stderr.write(`The workflow needs the scope: ${needed.scope}\n`);
  const login: LoginCommandOptions = {
    ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
    ...(options.localServer === undefined ? {} : { localServer: options.localServer }),
  };
  return loginWith(io, login, [needed.scope], stdin);
};
