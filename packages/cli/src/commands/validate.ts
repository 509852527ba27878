/**
 * `transflow validate <files...>`: every problem in every file, located; exit 0 or 2.
 */
import { hasErrors } from "@transflow/core";
import { type ValidationReport, validateWorkflowFile } from "@transflow/runner/workflow";
import { ExitCode, type Io } from "../Io.ts";
import { renderDiagnostic } from "../render/Diagnostics.ts";
import { makeStyle } from "../render/Style.ts";
import { type InputOptions, readInputs } from "./inputs.ts";

export interface ValidateCommandOptions extends InputOptions {
  readonly json?: boolean;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

export const validateCommand = async (
  io: Io,
  files: readonly string[],
  options: ValidateCommandOptions,
): Promise<number> => {
  const given = await readInputs(options);
  const reports: ValidationReport[] = [];
  if (!hasErrors(given.diagnostics)) {
    for (const file of files) {
      reports.push(await validateWorkflowFile(file, { inputs: given.inputs, env: io.env }));
    }
  }
  const valid = !hasErrors(given.diagnostics) && reports.every((r) => r.valid);
  if (options.json === true) {
    const document = {
      valid,
      diagnostics: given.diagnostics,
      files: reports.map((r) => ({
        file: r.file,
        format: r.format,
        valid: r.valid,
        ...(r.summary ? { summary: r.summary } : {}),
        diagnostics: r.diagnostics,
      })),
    };
    io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    return valid ? ExitCode.ok : ExitCode.invalid;
  }
  const err = makeStyle(io.stderr, io.env);
  const out = makeStyle(io.stdout, io.env);
  for (const d of given.diagnostics) io.stderr.write(renderDiagnostic(d, err));
  for (const report of reports) {
    for (const d of report.diagnostics) io.stderr.write(renderDiagnostic(d, err));
    if (report.valid && report.summary) {
      const { steps, items, batchFiles } = report.summary;
      const from = batchFiles > 0 ? ` (${plural(batchFiles, "batch file")})` : "";
      io.stdout.write(
        `${out.green("✓")} ${report.file}: valid, ${plural(steps, "step")}, ${plural(items, "item")}${from}\n`,
      );
    }
  }
  if (!valid) {
    const errors = [...given.diagnostics, ...reports.flatMap((r) => r.diagnostics)].filter(
      (d) => d.severity === "error",
    ).length;
    const bad = reports.filter((r) => !r.valid).length;
    io.stderr.write(
      `${err.red("✗")} ${plural(errors, "error")}${bad > 0 ? ` in ${plural(bad, "file")}` : ""}\n`,
    );
  }
  return valid ? ExitCode.ok : ExitCode.invalid;
};
