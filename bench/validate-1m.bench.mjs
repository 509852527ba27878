// Issue #2: `validate` of a workflow whose batch file has 1,000,000 lines: goal ≤ 2 s and peak
// RSS ≤ 400 MB. The batch file mixes plain, quoted and --recursive lines, as real ones do.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fmt, root, timeCli } from "./lib.mjs";

export const LINES = 1_000_000;

export const writeMillionLineWorkflow = (dir) => {
  mkdirSync(dir, { recursive: true });
  const chunks = [];
  for (let i = 0; i < LINES; i++) {
    const kind = i % 10;
    chunks.push(
      kind === 0
        ? `--recursive /data/run/dir-${i}/ /scratch/run/dir-${i}/`
        : kind === 1
          ? `"/data/run/file ${i}.dat" "/scratch/run/file ${i}.dat"`
          : `/data/run/file-${i}.dat /scratch/run/file-${i}.dat`,
    );
  }
  writeFileSync(join(dir, "items.txt"), `${chunks.join("\n")}\n`);
  writeFileSync(
    join(dir, "million.yaml"),
    `version: 1
name: million
collections:
  src: { id: 2d1d4873-a849-4b9c-bd34-2034a2163003, kind: mapped }
  dst: { id: 872a58ab-02b9-4233-a3e0-f017ed8ab090 }
steps:
  - id: copy
    transfer: { source: src, destination: dst, syncLevel: checksum, itemsFrom: items.txt }
`,
  );
  return join(dir, "million.yaml");
};

export const run = () => {
  const dir = join(root, ".bench", "validate-1m");
  const file = writeMillionLineWorkflow(dir);
  try {
    const result = timeCli(["validate", file], { runs: 5, warmup: 1 });
    console.log(`\n## validate with a ${LINES.toLocaleString("en")}-line batch file\n`);
    console.log("| measure | median | goal |\n| --- | ---: | ---: |");
    console.log(`| wall time | ${fmt(result.medianMs / 1000, 2)} s | ≤ 2 s |`);
    console.log(
      `| peak RSS | ${fmt(result.medianRssMb)} MB (max ${fmt(result.maxRssMb)}) | ≤ 400 MB |`,
    );
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
