// The naive floor for `plan-1m`: what plain node does with no streaming. Reads the whole batch
// file, splits it into lines, builds every Transfer item, and writes one JSON.stringify of the
// document. It skips what the planner does besides (checks, duplicates, batches, fingerprints),
// so it is a floor for time, and shows what holding text, items and JSON at once costs in memory.
// Usage: node naive-plan.mjs items.txt out.json
import { readFileSync, writeFileSync } from "node:fs";

const [input, output] = process.argv.slice(2);
// Lines without quotes are split on spaces; only quoted ones need the slower regular expression.
const words = (line) => {
  if (!line.includes('"')) return line.trim().split(/\s+/);
  const out = [];
  for (const match of line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) out.push(match[1] ?? match[2]);
  return out;
};
const DATA = [];
for (const line of readFileSync(input, "utf8").split("\n")) {
  if (line.trim() === "" || line.startsWith("#")) continue;
  const parts = words(line);
  const recursive = parts[0] === "--recursive";
  const [source, destination] = recursive ? parts.slice(1) : parts;
  DATA.push({
    DATA_TYPE: "transfer_item",
    source_path: source,
    destination_path: destination,
    ...(recursive ? { recursive: true } : {}),
  });
}
writeFileSync(output, JSON.stringify({ DATA_TYPE: "transfer", sync_level: 3, DATA }));
