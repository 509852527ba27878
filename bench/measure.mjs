// Runs a node script in this process and reports its peak RSS on stderr when it exits, so a
// benchmark can measure memory without external tools. Usage: node measure.mjs script.js args...
import { pathToFileURL } from "node:url";

const [script, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], script, ...args];
process.on("exit", () => {
  process.stderr.write(`\npeak-rss-kb=${process.resourceUsage().maxRSS}\n`);
});
await import(pathToFileURL(script).href);
