// The README is the front door: the workflows and commands it shows must run.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot, runCli } from "./support/cli.ts";

const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
const blocks = (language: string): string[] =>
  [...readme.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, "g"))].map(
    (m) => m[1] ?? "",
  );

// Inside node_modules so that `import "@transflow/core"` resolves as it does for a user's repo.
const scratch = join(repoRoot, "node_modules", ".cache", "transflow-readme");

describe("README", () => {
  const workflows = [...blocks("yaml"), ...blocks("ts")].filter((b) => /version: 1\b/.test(b));

  it("shows whole workflows", () => {
    expect(workflows.length).toBeGreaterThanOrEqual(2);
  });

  it.each(workflows.map((text, i) => [i, text] as const))(
    "workflow example %i validates",
    async (i, text) => {
      mkdirSync(scratch, { recursive: true });
      const file = join(
        scratch,
        `example-${i}.${text.includes("defineWorkflow") ? "mts" : "yaml"}`,
      );
      writeFileSync(file, text);
      const result = await runCli(["validate", file]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
    },
  );

  it("runs its quick start as written: a real run on the sandbox that copies the files", async () => {
    const command = blocks("sh").find((b) => b.includes("npx transflow run"));
    const args = command?.split("npx transflow ")[1]?.trim().split(/\s+/) ?? [];
    expect(args).toEqual(["run", "workflows/quickstart.yaml", "--sandbox"]);
    // In a folder of its own, so the sandbox's files land there and not in the repository.
    const cwd = mkdtempSync(join(tmpdir(), "transflow-quickstart-"));
    try {
      mkdirSync(join(cwd, "workflows"));
      writeFileSync(
        join(cwd, "workflows", "quickstart.yaml"),
        readFileSync(join(repoRoot, "workflows", "quickstart.yaml")),
      );
      const result = await runCli(args, { cwd, env: { TRANSFLOW_HOME: undefined } });
      expect(result.stderr).toContain("✓ done");
      expect(result.code).toBe(0);
      const copied = join(cwd, ".transflow-sandbox", "guest", "quickstart", "run-001");
      expect(readFileSync(join(copied, "results.csv"), "utf8")).toBe(
        "sample,value\na,1\nb,2\nc,3\n",
      );
      // The filter left out *.tmp files (the folder itself is copied, empty).
      expect(existsSync(join(copied, "tmp", "scratch.tmp"))).toBe(false);
      expect(existsSync(join(cwd, ".transflow-sandbox", "mapped", "data", "run-001", "tmp"))).toBe(
        false,
      );
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });

  it("shows real output: each console block is its command's output, as printed", async () => {
    const sessions = blocks("console");
    expect(sessions.length).toBeGreaterThanOrEqual(1);
    for (const session of sessions) {
      const [first = "", ...rest] = session.split("\n");
      const args = first.replace(/^\$ transflow /, "").split(" ");
      const result = await runCli(args);
      expect(result.stdout, first).toBe(rest.join("\n"));
    }
  });

  it("names the test command that .ci/run calls", () => {
    expect(blocks("sh").some((b) => b.trim() === "npm test")).toBe(true);
    expect(readFileSync(join(repoRoot, ".ci", "run"), "utf8")).toMatch(/^npm test\b/m);
  });
});
