/**
 * The commander program. Command modules are imported only when their command runs, so
 * `transflow --help` loads commander and nothing else.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "@commander-js/extra-typings";
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
  $ transflow plan workflows/vsc-results.yaml --offline -o plan.json
  $ transflow schema > workflow.schema.json

Exit codes: 0 ok, 1 failed, 2 invalid input or usage, 3 consents missing.
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
    .command("plan")
    .description(
      "Show what a run would need and do: consents, steps, batches. Runs nothing; -o saves plan.json.",
    )
    .argument("<workflow>", "workflow file (YAML, JSON or TypeScript)")
    .option("-i, --input <name=value>", "set an input (repeatable)", collect, [] as string[])
    .option("--inputs-file <file>", "read inputs from a YAML or JSON mapping")
    .option("--offline", "do not contact Globus: use the facts the workflow declares")
    .addOption(
      new Option("--format <format>", "output format").choices([
        "text",
        "json",
        "mermaid",
      ] as const),
    )
    .option("--json", "same as --format json")
    .option("-o, --output <file>", "write the plan file that `transflow run` executes later")
    .option("--show-documents", "print every batch's exact Transfer request (text format)")
    .option(
      "--max-items-per-batch <n>",
      "items per Transfer task (default 10,000)",
      parsePositiveInteger,
    )
    .addHelpText(
      "after",
      `
Collections are looked up at Globus with the credentials in the environment (TRANSFLOW_CLIENT_ID +
TRANSFLOW_CLIENT_SECRET, or TRANSFLOW_REFRESH_TOKEN); --offline uses what the workflow declares.
Exit codes: 0 plan ok, 2 invalid workflow or usage, 3 consents missing (CI can gate on it).
Examples:
  $ transflow plan workflows/vsc-results-to-leuven.yaml --input run=2026-11-27
  $ transflow plan nightly.yaml --offline -o plan.json
  $ transflow plan nightly.yaml --format mermaid > steps.mmd`,
    )
    .action(async (workflow, options) => {
      const { planCommand } = await import("./commands/plan.ts");
      setExitCode(await planCommand(io, workflow, options));
    });

  program
    .command("run")
    .description(
      "Run a workflow (or a plan.json) to the end: submit each batch once, follow every task.",
    )
    .argument("<target>", "workflow file, or a plan file from transflow plan -o")
    .option("-i, --input <name=value>", "set an input (repeatable)", collect, [] as string[])
    .option("--inputs-file <file>", "read inputs from a YAML or JSON mapping")
    .option("--json", "print the run's events as JSON lines (docs/run-events.md)")
    .option("--detach", "submit everything that can start now, then return")
    .option("--fresh", "start a new run even if an unfinished one of this workflow exists")
    .option(
      "--concurrency <n>",
      "steps run at once when their needs allow (default 4)",
      parsePositiveInteger,
    )
    .option(
      "--max-items-per-batch <n>",
      "items per Transfer task when planning (default 10,000)",
      parsePositiveInteger,
    )
    .option(
      "--cancel-on-interrupt",
      "Ctrl-C cancels the run's tasks instead of leaving them running",
    )
    .option(
      "--sandbox",
      "run against a local Globus started in this process (files in .transflow-sandbox)",
    )
    .addHelpText(
      "after",
      `
Running the same workflow with the same inputs again resumes its unfinished run: finished steps are
skipped, tasks in flight are followed again, and no batch is ever submitted twice.
Exit codes: 0 succeeded, 1 a step failed, 2 invalid input, 3 login or consent needed, 4 Globus
unavailable after retries, 130 interrupted.
Examples:
  $ transflow run workflows/quickstart.yaml --sandbox
  $ transflow run nightly.yaml --input day=2026-11-27
  $ transflow run plan.json --json > events.jsonl`,
    )
    .action(async (target, options) => {
      const { runCommand } = await import("./commands/run.ts");
      setExitCode(await runCommand(io, target, options, version));
    });

  program
    .command("runs")
    .description("List every run in the state folder, newest first, and how far each got.")
    .option("--json", "print the runs as JSON")
    .addHelpText(
      "after",
      `
Runs live in $TRANSFLOW_HOME/runs (else $XDG_STATE_HOME/transflow/runs or
~/.local/state/transflow/runs). OUTCOME is succeeded, failed, cancelled, unfinished (no end
recorded yet: still running, detached or interrupted) or unreadable (its files are damaged).
--json prints { "v": 1, "location", "runs": [ { "runId", "workflow": { "name", "file",
"fingerprint" }, "createdAt", "inputs", "environment", "outcome", "counts": { "steps",
"stepsDone", "batches", "withSubmissionId", "submitted", "succeeded", "failed", "inactive" } }
| { "runId", "outcome": "unreadable", "problem" } ] }.
Exit codes: 0 ok, 1 the state folder cannot be read.`,
    )
    .action(async (options) => {
      const { runsCommand } = await import("./commands/runs.ts");
      setExitCode(await runsCommand(io, options));
    });

  program
    .command("status")
    .description("Show a run: each step's outcome, each batch's task and its status.")
    .argument("[run]", "run id (see transflow runs); the newest run when left out")
    .option("--json", "print the status as JSON")
    .option("--offline", "show the journal's view only: do not ask Globus")
    .addHelpText(
      "after",
      `
Reads the run's journal without taking it over (a transflow run or wait driving it goes on).
When a Globus identity is configured (transflow login, or TRANSFLOW_CLIENT_ID and
TRANSFLOW_CLIENT_SECRET), the tasks the journal saw unfinished are looked up at Globus (shown
"at Globus now"; nothing is written); otherwise it shows the journal's view and says so.
--json prints { "v": 1, "runId", "workflow", "inputs", "createdAt", "environment",
"invokedWith", "outcome", "counts", "interruptions", "lastInterrupt"?, "live": { "openTasks",
"looked", "note"? }, "steps": [ { "id", "action", "progress" (succeeded, failed, skipped,
submitted, pending), "reason"?, "batches": [ { "batch" (0-based), "submissionId"?, "taskId"?,
"recorded"?: { "status", "niceStatus"?, "bytes"?, "files"?, "filesTransferred"?, "faults"?,
"fatalError"?, "t" }, "mkdir"?: { "path", "existed" }, "live"?: { "status", "niceStatus",
"counters", "fatalError" }, "liveError"? } ] } ], "unsubmitted": [step ids], "warnings" }.
Exit codes: 0 ok, 1 the run's files are damaged, 2 no such run.
Examples:
  $ transflow status
  $ transflow status 20261128T093005Z-nightly-3fa91c --json`,
    )
    .action(async (run, options) => {
      const { statusCommand } = await import("./commands/status.ts");
      setExitCode(await statusCommand(io, run, options));
    });

  program
    .command("wait")
    .description("Follow a run's submitted tasks to their end (after --detach or Ctrl-C).")
    .argument("<run>", "run id (see transflow runs)")
    .option("--json", "print the events as JSON lines (docs/run-events.md)")
    .option("--timeout <duration>", "stop waiting after this long, e.g. 90s, 15m, 2h, 1h30m")
    .addHelpText(
      "after",
      `
Submits nothing: it follows the tasks already submitted, records their statuses in the run's
journal, and records the run's end once every step has one. Steps never submitted (a run started
with --detach leaves those that need a submitted step) are named, with the transflow run command
that continues the run. It takes the run over, so it fails while a transflow run drives it.
--json prints the events of transflow run --json, one per line (docs/run-events.md); the last is
run-done, with outcome succeeded, failed, detached (steps were never submitted) or interrupted.
Exit codes: 0 every task succeeded, 1 a task failed, 2 no such run, 3 a task is INACTIVE (login
or consent needed), 4 Globus unavailable, 124 --timeout ran out, 130 interrupted (Ctrl-C). The
tasks keep running at Globus after a timeout or Ctrl-C.
Examples:
  $ transflow wait 20261128T093005Z-nightly-3fa91c
  $ transflow wait 20261128T093005Z-nightly-3fa91c --timeout 2h --json > events.jsonl`,
    )
    .action(async (run, options) => {
      const { waitCommand } = await import("./commands/wait.ts");
      setExitCode(await waitCommand(io, run, options));
    });

  program
    .command("cancel")
    .description("Cancel every task of a run still running at Globus; record the run as cancelled.")
    .argument("<run>", "run id (see transflow runs)")
    .option("--json", "print what was cancelled as JSON")
    .addHelpText(
      "after",
      `
Tasks already finished are left as they are. The run is recorded as cancelled only when every
cancel went through, so cancel can be run again. It takes the run over: stop a transflow run
driving it first (or start runs with --cancel-on-interrupt).
--json prints { "v": 1, "runId", "tasks": [ { "step", "batch" (0-based), "taskId", "code"?
(Canceled, CancelAccepted, TaskComplete), "status"?, "error"? } ], "unknownSubmissions": [ {
"step", "batch", "submissionId" } ], "recorded", "endedBefore"? }.
Exit codes: 0 cancelled, 1 a cancel failed, 2 no such run, 3 login needed, 4 Globus unavailable.
Example:
  $ transflow cancel 20261128T093005Z-nightly-3fa91c`,
    )
    .action(async (run, options) => {
      const { cancelCommand } = await import("./commands/cancel.ts");
      setExitCode(await cancelCommand(io, run, options));
    });

  program
    .command("login")
    .description("Log in to Globus as a person; the tokens are stored for later commands.")
    .option(
      "--client-id <id>",
      "your native app's client id (remembered; or TRANSFLOW_NATIVE_CLIENT_ID)",
    )
    .option("--no-local-server", "paste the code Globus shows instead of a redirect to 127.0.0.1")
    .option(
      "--scope <scope>",
      "also ask for this scope string (repeatable)",
      collect,
      [] as string[],
    )
    .addHelpText(
      "after",
      `
Asks for openid, profile, email and Transfer, plus every scope already consented to, so a new login
never drops an earlier data_access consent. Tokens are kept in $TRANSFLOW_HOME/tokens.json (else
$XDG_CONFIG_HOME/transflow or ~/.config/transflow), mode 0600: anyone who reads them acts as you.
Exit codes: 0 logged in, 2 usage (no client id, bad scope), 3 login refused or not completed.
Examples:
  $ transflow login --client-id 5ad1c3f0-6e4b-4c1a-9a36-7f0d2b1e8c02
  $ transflow login --no-local-server        # on a login node over SSH`,
    )
    .action(async (options) => {
      const { loginCommand } = await import("./commands/login.ts");
      setExitCode(await loginCommand(io, options));
    });

  program
    .command("consent")
    .description("Log in giving every consent a workflow's run needs (data_access included).")
    .argument("<workflow>", "workflow file (YAML, JSON or TypeScript)")
    .option("-i, --input <name=value>", "set an input (repeatable)", collect, [] as string[])
    .option("--inputs-file <file>", "read inputs from a YAML or JSON mapping")
    .option(
      "--client-id <id>",
      "your native app's client id (remembered; or TRANSFLOW_NATIVE_CLIENT_ID)",
    )
    .option("--no-local-server", "paste the code Globus shows instead of a redirect to 127.0.0.1")
    .addHelpText(
      "after",
      `
Exit codes: 0 consented, 2 invalid workflow or usage, 3 login refused or not completed.
Example:
  $ transflow consent workflows/vsc-results.yaml --input run=2026-11-27`,
    )
    .action(async (workflow, options) => {
      const { consentCommand } = await import("./commands/consent.ts");
      setExitCode(await consentCommand(io, workflow, options));
    });

  program
    .command("logout")
    .description("Revoke the stored tokens at Globus Auth and delete them.")
    .action(async () => {
      const { logoutCommand } = await import("./commands/logout.ts");
      setExitCode(await logoutCommand(io));
    });

  program
    .command("whoami")
    .description("Show who transflow acts as and the consents held (never a token).")
    .option("--json", "print as JSON")
    .addHelpText("after", "\nExit codes: 0 ok, 3 not logged in.")
    .action(async (options) => {
      const { whoamiCommand } = await import("./commands/whoami.ts");
      setExitCode(await whoamiCommand(io, options));
    });

  const collections = program
    .command("collections")
    .description("Find Globus collections and see what a workflow needs to use one.");
  collections
    .command("search")
    .description("Search collections by words: entity type, owner, data_access consent needed.")
    .argument("[words...]", "words to look for (all must match, prefixes count)")
    .option(
      "--filter-scope <scope>",
      "all (default), my-endpoints, my-gcp-endpoints, recently-used, in-use, shared-by-me, shared-with-me, hide-no-permissions, administered-by-me",
    )
    .option("--limit <n>", "results to show, up to 1000 (default 25)", parsePositiveInteger)
    .option("--json", "print as JSON")
    .addHelpText(
      "after",
      `
Search also finds GCS endpoints (GCSv5_endpoint): they are not collections and cannot be used in a
workflow. Exit codes: 0 ok, 2 usage, 3 not logged in, 4 Globus unavailable, 1 other failures.
Examples:
  $ transflow collections search "university cluster"
  $ transflow collections search --filter-scope shared-with-me --limit 100`,
    )
    .action(async (words, options) => {
      const { collectionsSearchCommand } = await import("./commands/collections.ts");
      setExitCode(await collectionsSearchCommand(io, words, options));
    });
  collections
    .command("show")
    .description("Show a collection: type, session policy, data_access scope, a workflow entry.")
    .argument("<id>", "collection id (UUID)")
    .option("--json", "print as JSON")
    .addHelpText(
      "after",
      `
Exit codes: 0 ok, 2 unknown id, 3 not logged in, 4 Globus unavailable, 1 other failures.
Example:
  $ transflow collections show 6c54cade-bde5-45c1-bdea-f4bd71dba2cc`,
    )
    .action(async (id, options) => {
      const { collectionsShowCommand } = await import("./commands/collections.ts");
      setExitCode(await collectionsShowCommand(io, id, options));
    });

  program
    .command("schema")
    .description("Print the JSON Schema of workflow files (for editor completion).")
    .addOption(new Option("--compact", "one line instead of indented"))
    .action(async (options) => {
      const { schemaCommand } = await import("./commands/schema.ts");
      setExitCode(await schemaCommand(io, options));
    });

  program
    .command("sandbox")
    .description("Run a local Globus (Auth + Transfer) on 127.0.0.1 that really copies files.")
    .option("--config <file>", "sandbox config (YAML or JSON); the built-in default otherwise")
    .option("--port <n>", "port to listen on (0 = any free port)", parsePort)
    .option("--data-dir <dir>", "folder holding the collections' files")
    .option("--info-file <file>", "write the URLs, clients and collections as JSON")
    .option("--auto-approve", "approve consent pages at once (headless use)")
    .addOption(
      new Option(
        "--token-log <file>",
        "append every token issued to this file (leak tests only)",
      ).hideHelp(),
    )
    .option(
      "--check-wire",
      "check every response against Globus's wire schemas (answer 500 if one differs)",
    )
    .addHelpText(
      "after",
      `
Prints the environment a client needs (GLOBUS_SDK_SERVICE_URL_AUTH, GLOBUS_SDK_SERVICE_URL_TRANSFER,
TRANSFLOW_CLIENT_ID, TRANSFLOW_CLIENT_SECRET, ...) as KEY=value lines.
Examples:
  $ transflow sandbox --port 8700 --data-dir /tmp/globus-sandbox
  $ transflow sandbox --info-file sandbox.json &`,
    )
    .action(async (options) => {
      const { sandboxCommand } = await import("./commands/sandbox.ts");
      setExitCode(await sandboxCommand(io, options));
    });

  return program;
};

const parsePositiveInteger = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("a whole number of at least 1");
  return n;
};

const parsePort = (value: string): number => {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError("a port is a whole number from 0 to 65535");
  }
  return port;
};

/** Commander's own outcomes (help, version, usage errors) as exit codes. */
export const exitCodeOfCommanderError = (error: CommanderError): number =>
  error.code === "commander.helpDisplayed" ||
  error.code === "commander.version" ||
  error.code === "commander.help"
    ? ExitCode.ok
    : ExitCode.invalid;

export { CommanderError };
