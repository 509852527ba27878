/**
 * The output of a runner command that reads or changes runs (`runs`, `status`, `cancel`): its
 * value as a JSON document or as text on stdout, or, when it failed, its diagnostics on stderr.
 */
import type { CommandReport } from "@transflow/runner";
import type { Io } from "../Io.ts";
import { renderDiagnostic } from "../render/Diagnostics.ts";
import { makeStyle } from "../render/Style.ts";

export interface ReportOutput<A> {
  readonly json: boolean;
  readonly text: (value: A) => string;
  /** The `--json` document. @default `{ v: 1, ...value }` */
  readonly jsonOf?: (value: A) => unknown;
}

/** Prints `report` as `output` says and returns its exit code. */
export const printReport = <A>(
  io: Io,
  report: CommandReport<A>,
  output: ReportOutput<A>,
): number => {
  if (report.value === undefined) {
    const err = makeStyle(io.stderr, io.env);
    for (const d of report.diagnostics) io.stderr.write(renderDiagnostic(d, err));
    return report.exitCode;
  }
  const jsonOf = output.jsonOf ?? ((value: A) => ({ v: 1, ...value }));
  io.stdout.write(
    output.json ? `${JSON.stringify(jsonOf(report.value), null, 2)}\n` : output.text(report.value),
  );
  return report.exitCode;
};
