// Runs a node script in this process and reports its peak RSS and CPU time on stderr when it
// exits, so a benchmark can measure memory and CPU without external tools. Usage: node measure.mjs script.js args...
import { pathToFileURL } from "node:url";

const [script, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], script, ...args];
process.on("exit", () => {
  const usage = process.resourceUsage();
  process.stderr.write(
    `\npeak-rss-kb=${usage.maxRSS} cpu-us=${usage.userCPUTime + usage.systemCPUTime}\n`,
  );
});
await import(pathToFileURL(script).href);
