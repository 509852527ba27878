// End-to-end tests run the built CLI: make sure the build is current. `tsc -b` is a no-op when
// nothing changed, and the bundle takes well under a second.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const root = fileURLToPath(new URL("../../../", import.meta.url));
  const run = (script: string, ...args: string[]) =>
    execFileSync(process.execPath, [`${root}${script}`, ...args], { cwd: root, stdio: "inherit" });
  run("node_modules/typescript/bin/tsc", "-b");
  run("packages/cli/scripts/bundle.mjs");
}
