/**
 * `transflow schema`: the published JSON Schema of workflow files.
 */
import { workflowJsonSchema } from "@transflow/core";
import { ExitCode, type Io } from "../Io.ts";

export const schemaCommand = async (io: Io, options: { compact?: boolean }): Promise<number> => {
  const schema = workflowJsonSchema();
  io.stdout.write(
    `${options.compact === true ? JSON.stringify(schema) : JSON.stringify(schema, null, 2)}\n`,
  );
  return ExitCode.ok;
};
