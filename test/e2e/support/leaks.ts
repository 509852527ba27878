/**
 * The token-leak check of the whole end-to-end suite: every sandbox process lists the tokens it
 * issues (`--token-log`), every CLI run's output and the run files it wrote are kept, and after
 * each test file none of those texts may contain any issued token (leak-check.ts).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const tokens = new Set<string>();
const tokenLogs = new Set<string>();
const texts: { readonly what: string; readonly text: string }[] = [];

/** A sandbox's token list, read when the check runs (or before its folder is removed). */
export const watchTokenLog = (file: string): void => {
  tokenLogs.add(file);
};

export const readTokenLog = (file: string): void => {
  if (!existsSync(file)) return;
  for (const line of readFileSync(file, "utf8").split("\n")) if (line !== "") tokens.add(line);
};

/** Files a token must never reach: everything transflow writes but its token store. */
const NOT_CHECKED = new Set(["tokens.json"]);

const collectFiles = (dir: string, found: string[]): void => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) collectFiles(path, found);
    else if (entry.isFile() && !NOT_CHECKED.has(entry.name) && statSync(path).size < 8_000_000) {
      found.push(path);
    }
  }
};

/** Keeps what a CLI run printed, and the files under its TRANSFLOW_HOME, for the check. */
export const recordCliOutput = (
  args: readonly string[],
  output: { readonly stdout: string; readonly stderr: string },
  home: string | undefined,
): void => {
  const what = `transflow ${args.join(" ")}`;
  texts.push({ what: `${what} (stdout)`, text: output.stdout });
  texts.push({ what: `${what} (stderr)`, text: output.stderr });
  if (home === undefined || !existsSync(home)) return;
  const files: string[] = [];
  collectFiles(home, files);
  for (const file of files) texts.push({ what: file, text: readFileSync(file, "utf8") });
};

/** Where an issued token shows up in the texts kept since the last call; empty when none. */
export const findLeaks = (): string[] => {
  for (const file of tokenLogs) readTokenLog(file);
  const leaks: string[] = [];
  for (const { what, text } of texts) {
    for (const token of tokens) {
      if (text.includes(token)) leaks.push(`${what} contains a token issued by the sandbox`);
    }
  }
  const checked = { tokens: tokens.size, texts: texts.length };
  // Tokens stay known (a later text may still leak them); each text is checked once.
  texts.length = 0;
  return leaks.length === 0 ? [] : [...leaks, JSON.stringify(checked)];
};
