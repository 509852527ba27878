/**
 * Reading a sandbox config file (YAML or JSON) with readable errors; relative collection roots
 * and the data dir are taken relative to the config file's folder.
 */
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse } from "yaml";
import { SandboxConfig, type SandboxConfigInput } from "./SandboxConfig.ts";

export class SandboxConfigError extends Error {
  override readonly name = "SandboxConfigError";
}

export const readSandboxConfigFile = async (file: string): Promise<SandboxConfigInput> => {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new SandboxConfigError(
      `cannot read ${file}: ${code === "ENOENT" ? "no such file" : String(error)}`,
    );
  }
  let value: unknown;
  try {
    value = parse(text, { uniqueKeys: true });
  } catch (error) {
    throw new SandboxConfigError(
      `${file}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
    );
  }
  const parsed = SandboxConfig.safeParse(value);
  if (!parsed.success) {
    const lines = parsed.error.issues
      .slice(0, 10)
      .map((i) => `  ${i.path.join(".") || "(top)"}: ${i.message}`)
      .join("\n");
    throw new SandboxConfigError(`${file} is not a valid sandbox config:\n${lines}`);
  }
  const base = dirname(resolve(file));
  const input = value as SandboxConfigInput;
  const dataDir = parsed.data.dataDir;
  return { ...input, dataDir: isAbsolute(dataDir) ? dataDir : resolve(base, dataDir) };
};
