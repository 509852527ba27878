/**
 * The `transflow` binary: run the program, map outcomes to exit codes, and never show a stack
 * trace for a user's mistake (only for a bug, with a request to report it).
 */
import { readFileSync } from "node:fs";
import { ExitCode, processIo } from "./Io.ts";
import { CommanderError, exitCodeOfCommanderError, makeProgram } from "./program.ts";

/** Our own package.json: next to dist/ when built by tsc, two levels up from the bundle. */
const version = (): string => {
  for (const relative of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "@transflow/cli" && pkg.version) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return "0.0.0";
};

/** `transflow … | head`: the reader went away, which is not an error worth a stack trace. */
const quietOnClosedPipe = (stream: NodeJS.WriteStream): void => {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
};

const main = async (): Promise<void> => {
  quietOnClosedPipe(process.stdout);
  quietOnClosedPipe(process.stderr);
  const io = processIo();
  let exitCode: number = ExitCode.ok;
  const program = makeProgram(io, version(), (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      exitCode = exitCodeOfCommanderError(error);
    } else {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      io.stderr.write(
        `transflow: internal error (this is a bug, please report it with the lines below)\n${detail}\n`,
      );
      exitCode = ExitCode.failed;
    }
  }
  process.exitCode = exitCode;
};

await main();
