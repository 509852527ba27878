// Issue #2: cold-process `transflow --help` (goal ≤ 130 ms) and `validate` of a small workflow
// (goal ≤ 300 ms), medians over fresh processes, next to a bare `node -e 0` floor.
import { fmt, timeCli, timeCommand } from "./lib.mjs";

export const run = () => {
  const floor = timeCommand(process.execPath, ["-e", "0"]);
  const help = timeCli(["--help"]);
  const version = timeCli(["--version"]);
  const validateYaml = timeCli(["validate", "workflows/instrument-to-archive.yaml"]);
  const validateTs = timeCli(["validate", "workflows/vsc-results-to-leuven.ts"], { runs: 9 });
  const rows = [
    ["node -e 0 (floor)", floor.medianMs, "-"],
    ["transflow --help", help.medianMs, "≤ 130"],
    ["transflow --version", version.medianMs, "-"],
    ["transflow validate (small YAML)", validateYaml.medianMs, "≤ 300"],
    ["transflow validate (TypeScript, tsx)", validateTs.medianMs, "-"],
  ];
  console.log("\n## CLI start-up (median ms over fresh processes)\n");
  console.log("| command | median ms | goal ms |\n| --- | ---: | ---: |");
  for (const [name, ms, goal] of rows) console.log(`| ${name} | ${fmt(ms)} | ${goal} |`);
  return rows;
};
