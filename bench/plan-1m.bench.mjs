// Issue #4: `plan --offline --json -o plan.json` of a workflow whose batch file has 1,000,000
// lines: goal ≤ 2 s and ≤ 400 MB peak RSS. Reported beside the naive floor (bench/naive-plan.mjs:
// read everything, build the array, one JSON.stringify), measured in the same run.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fmt, root, timeCli, timeScript } from "./lib.mjs";
import { LINES, writeMillionLineWorkflow } from "./validate-1m.bench.mjs";

const naive = fileURLToPath(new URL("./naive-plan.mjs", import.meta.url));

export const run = () => {
  const dir = join(root, ".bench", "plan-1m");
  const file = writeMillionLineWorkflow(dir);
  try {
    const ours = timeCli(["plan", file, "--offline", "--json", "-o", join(dir, "plan.json")], {
      runs: 5,
      warmup: 1,
    });
    const floor = timeScript(naive, [join(dir, "items.txt"), join(dir, "naive.json")], {
      runs: 5,
      warmup: 1,
    });
    console.log(`\n## plan with a ${LINES.toLocaleString("en")}-line batch file\n`);
    console.log("| measure | naive node | transflow plan | ratio | goal |");
    console.log("| --- | ---: | ---: | ---: | ---: |");
    console.log(
      `| wall time | ${fmt(floor.medianMs / 1000, 2)} s | ${fmt(ours.medianMs / 1000, 2)} s | ${fmt(ours.medianMs / floor.medianMs, 2)}× | ≤ 2 s |`,
    );
    console.log(
      `| peak RSS | ${fmt(floor.medianRssMb)} MB | ${fmt(ours.medianRssMb)} MB (max ${fmt(ours.maxRssMb)}) | ${fmt(ours.medianRssMb / floor.medianRssMb, 2)}× | ≤ 400 MB |`,
    );
    return { ours, floor };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
