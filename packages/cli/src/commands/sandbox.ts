/**
 * `transflow sandbox`: starts the local Globus (Auth + Transfer) on 127.0.0.1 and prints what a
 * client needs, as `KEY=value` lines a shell can eval. Runs until Ctrl-C or SIGTERM.
 */
import { appendFileSync } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import {
  defaultConfig,
  readSandboxConfigFile,
  SandboxConfigError,
  type SandboxConfigInput,
  startSandbox,
} from "@transflow/sandbox";
import { ExitCode, type Io } from "../Io.ts";

export interface SandboxCommandOptions {
  readonly config?: string;
  readonly port?: number;
  readonly dataDir?: string;
  readonly infoFile?: string;
  readonly autoApprove?: boolean;
  readonly checkWire?: boolean;
  readonly tokenLog?: string;
}

/** Single-quoted for POSIX shells, so `eval` reads the value back exactly. */
const shellQuote = (value: string): string => `'${value.replace(/'/g, "'\\''")}'`;

export const sandboxCommand = async (io: Io, options: SandboxCommandOptions): Promise<number> => {
  let config: SandboxConfigInput | undefined;
  if (options.config !== undefined) {
    try {
      config = await readSandboxConfigFile(options.config);
    } catch (error) {
      if (error instanceof SandboxConfigError) {
        io.stderr.write(`transflow sandbox: ${error.message}\n`);
        return ExitCode.invalid;
      }
      throw error;
    }
  }
  const base = config ?? defaultConfig;
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  try {
    sandbox = await startSandbox(
      options.autoApprove === true ? { ...base, autoApprove: true } : base,
      {
        ...(options.port === undefined ? {} : { port: options.port }),
        ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
        ...(options.checkWire === true ? { checkResponses: true } : {}),
        ...(options.tokenLog === undefined
          ? {}
          : {
              // Leak tests only: the tokens a client must never print or write elsewhere.
              onTokenIssued: (token: string) =>
                appendFileSync(options.tokenLog ?? "", `${token}\n`),
            }),
      },
    );
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "EADDRINUSE" || code === "EACCES") {
      io.stderr.write(
        `transflow sandbox: cannot listen on port ${options.port ?? "?"}: ${code === "EADDRINUSE" ? "already in use" : "permission denied"}\n`,
      );
      return ExitCode.invalid;
    }
    throw error;
  }
  if (options.infoFile !== undefined) {
    // Written whole or not at all: a test waiting for the file never reads half of it.
    const temporary = `${options.infoFile}.${process.pid}.tmp`;
    await writeFile(
      temporary,
      `${JSON.stringify({ ...sandbox.info, env: sandbox.env }, null, 2)}\n`,
      { mode: 0o600 },
    );
    await rename(temporary, options.infoFile);
  }
  const lines = [
    `# transflow sandbox ready on http://127.0.0.1:${sandbox.port} (data in ${sandbox.context.dataDir}); Ctrl-C stops it`,
    ...Object.entries(sandbox.env).map(([key, value]) => `${key}=${shellQuote(value)}`),
    ...sandbox.info.collections.map(
      (c) =>
        `# ${c.entityType}${c.highAssurance ? " (high assurance)" : ""}: ${c.id}  ${c.displayName}`,
    ),
  ];
  io.stdout.write(`${lines.join("\n")}\n`);

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await sandbox.close();
  io.stderr.write("transflow sandbox stopped\n");
  return ExitCode.ok;
};
