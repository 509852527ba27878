import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasStackTrace, runCli } from "./support/cli.ts";

const HYDRA = "2d1d4873-a849-4b9c-bd34-2034a2163003";
const LEUVEN = "872a58ab-02b9-4233-a3e0-f017ed8ab090";

const good = `version: 1
name: e2e
inputs:
  run: { type: string }
collections:
  hydra: { id: ${HYDRA}, kind: mapped }
  leuven: { id: ${LEUVEN} }
steps:
  - id: copy
    transfer:
      source: hydra
      destination: leuven
      items:
        - { source: "/data/\${{ inputs.run }}/", destination: /scratch/, recursive: true }
`;

let dir: string;
const write = (name: string, content: string | Buffer): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "transflow-validate-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("transflow validate", () => {
  it("accepts every example in workflows/", async () => {
    const files = readdirSync("workflows").filter((f) => /\.(ya?ml|json|ts)$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(4);
    const result = await runCli(["validate", ...files.map((f) => `workflows/${f}`)]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    for (const f of files) expect(result.stdout).toContain(`✓ workflows/${f}: valid`);
  });

  it("accepts a workflow with its input given, and reports the counts", async () => {
    const file = write("good.yaml", good);
    const result = await runCli(["validate", file, "--input", "run=42"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`✓ ${file}: valid, 1 step, 1 item`);
  });

  it("takes inputs from --inputs-file, with --input winning", async () => {
    const file = write("good2.yaml", good);
    const inputs = write("inputs.yaml", "run: from-file\n");
    expect((await runCli(["validate", file, "--inputs-file", inputs])).code).toBe(0);
    const bad = write("inputs-bad.yaml", "run: [1, 2]\n");
    const result = await runCli(["validate", file, "--inputs-file", bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${bad}:1:6: error: input "run" must be a string`);
  });

  // Each bad input: a located message, exit 2, never a stack trace.
  const cases: [name: string, file: string, content: string | Buffer, expected: string[]][] = [
    [
      "tabs",
      "tabs.yaml",
      good.replace("  - id: copy", "\t- id: copy"),
      [":9:1: error: a tab is used for indentation"],
    ],
    [
      "unclosed quote",
      "quote.yaml",
      good.replace("name: e2e", 'name: "e2e'),
      [':2:7: error: unclosed " quote'],
    ],
    [
      "duplicate keys",
      "dup.yaml",
      good.replace("name: e2e", "name: e2e\nname: again"),
      [":3:1: error: duplicate key"],
    ],
    [
      "a list where a mapping belongs",
      "list.yaml",
      good.replace("  hydra: {", "  - hydra: {").replace("  leuven: {", "  - leuven: {"),
      [":6:3: error: collections: expected a mapping, got a list", "hint: remove the leading '- '"],
    ],
    [
      "wrong types",
      "types.yaml",
      good.replace("      items:", "      verifyChecksum: 3\n      items:"),
      [":13:23: error: steps[0].transfer.verifyChecksum: expected a boolean, got number"],
    ],
    [
      "unknown keys",
      "keys.yaml",
      good.replace("      items:", "      preserveTimestamps: true\n      items:"),
      [
        ':13:7: error: steps[0].transfer: unknown key "preserveTimestamps"',
        'hint: did you mean "preserveTimestamp"?',
      ],
    ],
    [
      "bad UUIDs",
      "uuid.yaml",
      good.replace(LEUVEN, "872a58ab-02b9"),
      [":7:17: error: collections.leuven.id: must be a Globus collection UUID"],
    ],
    [
      "relative paths",
      "relative.yaml",
      good.replace("destination: /scratch/", "destination: scratch/"),
      [":14:62: error: steps[0].transfer.items[0].destination: must be an absolute path"],
    ],
    [
      "unknown alias",
      "alias.yaml",
      good.replace("destination: leuven", "destination: leuvne"),
      [
        ':12:20: error: steps[0].transfer.destination: no collection "leuvne" is declared',
        'did you mean "leuven"?',
      ],
    ],
    [
      "unknown input",
      "input.yaml",
      good.replace("inputs.run", "inputs.runs"),
      [':14:21: error: unknown input "runs"', 'did you mean "run"?'],
    ],
    [
      "missing required input",
      "missing.yaml",
      good,
      [':4:3: error: input "run" is required', "--input run=VALUE"],
    ],
    [
      "cycles",
      "cycle.yaml",
      `${good.replace("  - id: copy", "  - id: copy\n    needs: [back]")}  - id: back\n    needs: [copy]\n    mkdir: { collection: leuven, paths: [/x/] }\n`,
      [":10:12: error: the steps depend on each other in a cycle: copy → back → copy"],
    ],
    [
      "duplicate ids",
      "ids.yaml",
      `${good}  - id: copy\n    mkdir: { collection: leuven, paths: [/x/] }\n`,
      [':15:9: error: steps[1].id: step id "copy" is already used by steps[0]'],
    ],
    ["an empty file", "empty.yaml", "", [":1:1: error: the file is empty"]],
    [
      "a binary file",
      "binary.yaml",
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0]),
      ["error: the workflow file is not a text file"],
    ],
  ];

  it.each(cases)(
    "reports %s with a location and exit 2",
    async (_name, name, content, expected) => {
      const file = write(name, content);
      const result = await runCli(["validate", file]);
      expect(result.code).toBe(2);
      for (const text of expected) expect(result.stderr).toContain(text);
      expect(result.stderr).toContain(file);
      expect(hasStackTrace(result.stderr)).toBe(false);
      expect(result.stdout).toBe("");
    },
  );

  it("reports every problem in every file, not only the first", async () => {
    const a = write(
      "many-a.yaml",
      good.replace(LEUVEN, "nope").replace("destination: /scratch/", "destination: scratch/"),
    );
    const b = write("many-b.yaml", good.replace("source: hydra", "source: hdyra"));
    const c = write("many-c.yaml", good);
    const result = await runCli(["validate", a, b, c, "--input", "run=1"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${a}:7:17`);
    expect(result.stderr).toContain(`${a}:14:62`);
    expect(result.stderr).toContain(`${b}:11:15`);
    expect(result.stdout).toContain(`✓ ${c}: valid`);
    expect(result.stderr).toContain("3 errors in 2 files");
  });

  it("reports a batch file line that does not parse as batchfile:line", async () => {
    write("items.txt", "/a /b\n# comment\n--recursive /c/ /d/\n'/e /f\n/g /h /i\n");
    const file = write(
      "batch.yaml",
      good.replace("      items:\n", "      itemsFrom: items.txt\n      items:\n"),
    );
    const result = await runCli(["validate", file, "--input", "run=1"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/items\.txt:4:\d+: error: .*quot/i);
    expect(result.stderr).toMatch(/items\.txt:5:\d+: error: /);
    expect(hasStackTrace(result.stderr)).toBe(false);
  });

  it("reports a missing batch file at the itemsFrom key", async () => {
    const file = write(
      "nobatch.yaml",
      good.replace("      items:\n", "      itemsFrom: nowhere.txt\n      items:\n"),
    );
    const result = await runCli(["validate", file, "--input", "run=1"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}:13:18: error: cannot read the batch file nowhere.txt`);
    expect(result.stderr).toContain("no such file");
  });

  it("refuses a 50 MB file quickly with a clear message", async () => {
    const line = `# ${"x".repeat(1022)}\n`;
    const file = write("huge.yaml", line.repeat(50 * 1024));
    const result = await runCli(["validate", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("the workflow file is 50.0 MB; the limit is 4.0 MB");
    expect(hasStackTrace(result.stderr)).toBe(false);
  });

  it("reports a TypeScript workflow that throws, at its line", async () => {
    // .mts is always an ES module, whatever package.json says; its stack frames map to the source.
    const file = write(
      "throws.mts",
      'const collections = {};\n\nthrow new Error("no collections configured");\nexport default { collections };\n',
    );
    const result = await runCli(["validate", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `${file}:3:7: error: loading the workflow module failed: no collections configured`,
    );
    expect(hasStackTrace(result.stderr)).toBe(false);
  });

  it("reports a TypeScript workflow with a syntax error", async () => {
    const file = write(
      "syntax.ts",
      "export default {\n  version: 1,\n  name: 'x'\n  steps: []\n};\n",
    );
    const result = await runCli(["validate", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: loading the workflow module failed");
    expect(result.stderr).toContain(file);
    expect(hasStackTrace(result.stderr)).toBe(false);
  });

  it("reports a TypeScript workflow without a default export", async () => {
    const file = write("nodefault.ts", "export const workflow = { version: 1 };\n");
    const result = await runCli(["validate", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}:1:1: error: the module has no default export`);
    expect(result.stderr).toContain("export default defineWorkflow");
  });

  it("checks a TypeScript workflow's value like any other", async () => {
    const file = write(
      "value.ts",
      `export default ${JSON.stringify({ version: 1, name: "x", collections: { a: { id: HYDRA } }, steps: [{ id: "s", mkdir: { collection: "b", paths: ["/x/"] } }] })};\n`,
    );
    const result = await runCli(["validate", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `${file}: error: steps[0].mkdir.collection: no collection "b" is declared`,
    );
  });

  it("prints diagnostics as JSON with --json", async () => {
    const file = write("json.yaml", good.replace("destination: leuven", "destination: leuvne"));
    const result = await runCli(["validate", file, "--json", "--input", "run=1"]);
    expect(result.code).toBe(2);
    const document = JSON.parse(result.stdout) as {
      valid: boolean;
      files: {
        file: string;
        valid: boolean;
        diagnostics: { code: string; at: { line: number; column: number } }[];
      }[];
    };
    expect(document.valid).toBe(false);
    expect(
      document.files[0]?.diagnostics.find((d) => d.code !== "unused-collection"),
    ).toMatchObject({
      code: "unknown-collection",
      at: { file, line: 12, column: 20 },
    });
  });

  it("exits 2 on usage errors and 0 on --help and --version", async () => {
    expect((await runCli(["validate"])).code).toBe(2);
    expect((await runCli(["frobnicate"])).code).toBe(2);
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("validate");
    const version = await runCli(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("stops quietly when its reader goes away (transflow schema | head -1)", async () => {
    const { spawn } = await import("node:child_process");
    const { binPath } = await import("./support/cli.ts");
    const child = spawn(process.execPath, [binPath, "schema"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
    });
    child.stdout.destroy();
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(stderr).not.toContain("EPIPE");
    expect(code).toBe(0);
  });

  it("prints the JSON Schema", async () => {
    const result = await runCli(["schema"]);
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.stdout) as {
      title: string;
      properties: Record<string, unknown>;
    };
    expect(schema.title).toBe("transflow workflow");
    expect(Object.keys(schema.properties)).toContain("steps");
  });
});
