/**
 * The commander program. Command modules are imported only when their command runs, so
 * `transflow --help` loads commander and nothing else.
 */
import { Command, CommanderError, Option } from "@commander-js/extra-typings";
import { ExitCode, type Io } from "./Io.ts";

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export const makeProgram = (io: Io, version: string, setExitCode: (code: number) => void) => {
  const program = new Command("transflow")
    .description(
      "Declarative workflows for Globus transfers: validate, plan and run them like code.",
    )
    .version(version, "-V, --version")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText(
      "after",
      `
Examples:
  $ transflow validate workflows/*.yaml
  $ transflow validate workflows/vsc-results.yaml --input run=2026-11-27
  $ transflow schema > workflow.schema.json

Exit codes: 0 ok, 1 failed, 2 invalid input or usage.
Docs: README.md in the transflow repository.`,
    );

  program
    .command("validate")
    .description("Check workflow files (YAML, JSON or TypeScript) without contacting Globus.")
    .argument("<files...>", "workflow files")
    .option("-i, --input <name=value>", "set an input (repeatable)", collect, [] as string[])
    .option("--inputs-file <file>", "read inputs from a YAML or JSON mapping")
    .option("--json", "print the diagnostics as JSON")
    .addHelpText(
      "after",
      `
Every problem in every file is reported as file:line:col: message, with a hint.
Examples:
  $ transflow validate workflows/*.yaml
  $ transflow validate nightly.ts --input run=42 --json`,
    )
    .action(async (files, options) => {
      const { validateCommand } = await import("./commands/validate.ts");
      setExitCode(await validateCommand(io, files, options));
    });

  program
    .command("schema")
    .description("Print the JSON Schema of workflow files (for editor completion).")
    .addOption(new Option("--compact", "one line instead of indented"))
    .action(async (options) => {
      const { schemaCommand } = await import("./commands/schema.ts");
      setExitCode(await schemaCommand(io, options));
    });

  return program;
};

/** Commander's own outcomes (help, version, usage errors) as exit codes. */
export const exitCodeOfCommanderError = (error: CommanderError): number =>
  error.code === "commander.helpDisplayed" ||
  error.code === "commander.version" ||
  error.code === "commander.help"
    ? ExitCode.ok
    : ExitCode.invalid;

export { CommanderError };
