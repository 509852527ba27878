import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/diagnostics/Diagnostic.ts";
import { checkWorkflow } from "../../src/workflow/CheckWorkflow.ts";
import { parseWorkflowText } from "../../src/workflow/WorkflowDocument.ts";

const HYDRA = "2d1d4873-a849-4b9c-bd34-2034a2163003";
const LEUVEN = "872a58ab-02b9-4233-a3e0-f017ed8ab090";

/** A valid workflow's text with `steps` (and optionally more top-level YAML) substituted. */
const workflowText = (steps: string, extra = ""): string => `version: 1
name: test
${extra}collections:
  hydra: { id: ${HYDRA}, kind: mapped }
  leuven: { id: ${LEUVEN} }
steps:
${steps}`;

const COPY_STEP = `  - id: copy
    transfer:
      source: hydra
      destination: leuven
      items:
        - { source: /data/run/, destination: /scratch/run/, recursive: true }
`;

const check = (
  text: string,
  options: { inputs?: Record<string, string>; env?: Record<string, string> } = {},
) => {
  const parsed = parseWorkflowText(text, "wf.yaml");
  if (parsed.diagnostics.length > 0) {
    return { diagnostics: parsed.diagnostics, workflow: undefined, inputs: {}, batchFiles: [] };
  }
  return checkWorkflow({ file: "wf.yaml", value: parsed.value, locate: parsed.locate, ...options });
};

const errors = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === "error");
const located = (d: Diagnostic | undefined) => d && `${d.at?.line}:${d.at?.column} ${d.code}`;

describe("checkWorkflow", () => {
  it("accepts a valid workflow and resolves its templates", () => {
    const result = check(
      workflowText(
        `  - id: copy
    transfer:
      source: hydra
      destination: leuven
      label: run \${{ inputs.run }} by \${{ env.USER }}
      items:
        - { source: "/data/\${{ inputs.run }}/", destination: /scratch/, recursive: true }
`,
        "inputs:\n  run: { type: string, default: latest }\n",
      ),
      { env: { USER: "alice" } },
    );
    expect(errors(result.diagnostics)).toEqual([]);
    const step = result.workflow?.steps[0]?.transfer;
    expect(step?.label).toBe("run latest by alice");
    expect(step?.items?.[0]?.source).toBe("/data/latest/");
  });

  it("uses given inputs over defaults and converts them to the declared type", () => {
    const result = check(
      workflowText(
        COPY_STEP.replace("/data/run/", '"/data/${{ inputs.n }}-${{ inputs.flag }}/"'),
        "inputs:\n  n: { type: number }\n  flag: { type: boolean, default: false }\n",
      ),
      { inputs: { n: "42", flag: "yes" } },
    );
    expect(errors(result.diagnostics)).toEqual([]);
    expect(result.inputs).toEqual({ n: 42, flag: true });
    expect(result.workflow?.steps[0]?.transfer?.items?.[0]?.source).toBe("/data/42-true/");
  });

  it("reports a missing required input at its declaration, with the remedy", () => {
    const result = check(workflowText(COPY_STEP, "inputs:\n  run: { type: string }\n"));
    const [d] = errors(result.diagnostics);
    expect(d?.code).toBe("missing-input");
    expect(d?.at?.line).toBe(4);
    expect(d?.hint).toContain("--input run=VALUE");
  });

  it("reports an input value of the wrong type", () => {
    const result = check(workflowText(COPY_STEP, "inputs:\n  n: { type: number }\n"), {
      inputs: { n: "many" },
    });
    expect(errors(result.diagnostics).map((d) => d.code)).toEqual(["bad-input-value"]);
  });

  it("reports an unknown template reference with a did-you-mean", () => {
    const result = check(
      workflowText(
        COPY_STEP.replace("/data/run/", '"/data/${{ inputs.rnu }}/"'),
        "inputs:\n  run: { default: x }\n",
      ),
    );
    const [d] = errors(result.diagnostics);
    expect(d?.code).toBe("unknown-input");
    expect(d?.hint).toBe('did you mean "run"?');
    expect(d?.at?.line).toBe(14);
  });

  it("reports an unset environment variable and a malformed template", () => {
    const result = check(
      workflowText(
        COPY_STEP.replace("/scratch/run/", '"/scratch/${{ env.NOPE }}/${{ secrets.X }}/"'),
      ),
    );
    expect(
      errors(result.diagnostics)
        .map((d) => d.code)
        .sort(),
    ).toEqual(["bad-template", "unset-env"]);
  });

  it("reports an unknown input given on the command line", () => {
    const result = check(workflowText(COPY_STEP, "inputs:\n  run: { default: x }\n"), {
      inputs: { rn: "1" },
    });
    const [d] = errors(result.diagnostics);
    expect(d?.code).toBe("unknown-input");
    expect(d?.hint).toBe('did you mean "run"?');
  });

  it("points at an unknown key and suggests the right one", () => {
    const result = check(
      workflowText(COPY_STEP.replace("      items:", "      syncLvl: size\n      items:")),
    );
    const [d] = errors(result.diagnostics);
    expect(located(d)).toBe("11:7 unknown-key");
    expect(d?.hint).toBe('did you mean "syncLevel"?');
  });

  it("reports wrong types and values in place", () => {
    const result = check(
      workflowText(
        COPY_STEP.replace(
          "      items:",
          "      verifyChecksum: yes please\n      syncLevel: sizes\n      items:",
        ),
      ),
    );
    const ds = errors(result.diagnostics);
    expect(ds.map(located)).toEqual(["11:23 invalid-type", "12:18 invalid-value"]);
    expect(ds[1]?.hint).toBe('did you mean "size"?');
  });

  it("explains a list where a mapping belongs", () => {
    const result = check(
      workflowText(COPY_STEP)
        .replace("  hydra: {", "  - hydra: {")
        .replace("  leuven: {", "  - leuven: {"),
    );
    const d = errors(result.diagnostics)[0];
    expect(d?.code).toBe("invalid-type");
    expect(d?.summary).toContain("expected a mapping, got a list");
    expect(d?.hint).toContain("not a list");
  });

  it("rejects a bad UUID and a relative path", () => {
    const result = check(
      workflowText(COPY_STEP.replace("/scratch/run/", "scratch/run/")).replace(
        LEUVEN,
        "not-a-uuid",
      ),
    );
    expect(errors(result.diagnostics).map(located)).toEqual([
      "5:17 invalid-value",
      "12:46 invalid-value",
    ]);
    expect(errors(result.diagnostics)[1]?.summary).toContain("absolute path");
  });

  it("reports a missing required key", () => {
    const result = check(workflowText(COPY_STEP.replace("      destination: leuven\n", "")));
    expect(errors(result.diagnostics).map((d) => d.summary)).toEqual([
      'missing required key "destination"',
    ]);
  });

  it("reports an unknown alias with a did-you-mean", () => {
    const result = check(workflowText(COPY_STEP.replace("source: hydra", "source: hydr")));
    const [d] = errors(result.diagnostics);
    expect(located(d)).toBe("9:15 unknown-collection");
    expect(d?.hint).toBe('did you mean "hydra"?');
  });

  it("reports duplicate step ids, unknown needs and cycles, naming the cycle", () => {
    const result = check(
      workflowText(
        `${COPY_STEP.replace("id: copy", "id: a\n    needs: [c]")}${COPY_STEP.replace("id: copy", "id: b\n    needs: [a, nope]")}${COPY_STEP.replace("id: copy", "id: c\n    needs: [b]")}${COPY_STEP.replace("id: copy", "id: a")}`,
      ),
    );
    const ds = errors(result.diagnostics);
    expect(ds.map((d) => d.code).sort()).toEqual(["cycle", "duplicate-step", "unknown-step"]);
    expect(ds.find((d) => d.code === "cycle")?.summary).toContain("a → c → b → a");
  });

  it("applies Globus's offline item rules", () => {
    const result = check(
      workflowText(`  - id: copy
    transfer:
      source: hydra
      destination: hydra
      filterRules: [{ exclude: "*.tmp" }]
      items:
        - { source: /a/b/, destination: /a/b, recursive: false }
        - { source: /x, destination: /y, recursive: true, externalChecksum: abc }
`),
    );
    const summaries = errors(result.diagnostics).map((d) => d.summary);
    expect(summaries).toEqual([
      "items[0]: copies /a/b/ onto itself (same collection, same path)",
      "items[1]: externalChecksum is for files; it cannot be used with recursive",
    ]);
  });

  it("requires a recursive item for filter rules and deleteDestinationExtra", () => {
    const result = check(
      workflowText(
        COPY_STEP.replace("recursive: true", "recursive: false").replace(
          "      items:",
          "      deleteDestinationExtra: true\n      filterRules: [{ include: '*.h5' }]\n      items:",
        ),
      ),
    );
    expect(errors(result.diagnostics).map((d) => d.code)).toEqual([
      "mirror-needs-recursive",
      "filter-needs-recursive",
    ]);
  });

  it("checks labels as Globus does", () => {
    const long = "x".repeat(129);
    const result = check(
      workflowText(COPY_STEP.replace("      items:", `      label: ${long}\n      items:`)),
    );
    expect(errors(result.diagnostics)[0]?.summary).toContain("at most 128");
    const padded = check(
      workflowText(COPY_STEP.replace("      items:", `      label: " padded"\n      items:`)),
    );
    expect(errors(padded.diagnostics)[0]?.summary).toContain("leading or trailing spaces");
  });

  it("wants exactly one action per step", () => {
    const both = check(
      workflowText(`${COPY_STEP}    mkdir: { collection: leuven, paths: [/x/] }\n`),
    );
    expect(errors(both.diagnostics)[0]?.summary).toContain("transfer and mkdir");
    const none = check(workflowText("  - id: nothing\n"));
    expect(errors(none.diagnostics)[0]?.summary).toContain(
      "needs one of transfer, delete or mkdir",
    );
  });

  it("reports a misspelt action once, with a did-you-mean", () => {
    const result = check(workflowText(COPY_STEP.replace("    transfer:", "    trasnfer:")));
    const ds = errors(result.diagnostics);
    expect(ds.map((d) => d.summary)).toEqual(['steps[0]: unknown key "trasnfer"']);
    expect(ds[0]?.hint).toBe('did you mean "transfer"?');
  });

  it("explains a value that fits none of an option's forms, and a bad one inside a form", () => {
    const word = check(
      workflowText(COPY_STEP.replace("      items:", "      notify: sometimes\n      items:")),
    );
    expect(errors(word.diagnostics)[0]?.summary).toBe(
      "steps[0].transfer.notify: must be true, false, or a mapping of succeeded, failed, inactive to true/false",
    );
    const inner = check(
      workflowText(
        COPY_STEP.replace("      items:", "      notify: { failed: maybe }\n      items:"),
      ),
    );
    expect(errors(inner.diagnostics)[0]?.summary).toBe(
      "steps[0].transfer.notify.failed: expected a boolean, got string",
    );
  });

  it("suggests the list form for needs written as a word", () => {
    const result = check(
      workflowText(
        `${COPY_STEP}  - id: after\n    needs: copy\n    mkdir: { collection: leuven, paths: [/x/] }\n`,
      ),
    );
    expect(errors(result.diagnostics)[0]?.hint).toBe("write it as a list: [copy]");
  });

  it("warns about a collection no step uses", () => {
    const result = check(
      workflowText(COPY_STEP).replace(
        "collections:\n",
        "collections:\n  spare: { id: 5f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b }\n",
      ),
    );
    expect(errors(result.diagnostics)).toEqual([]);
    expect(result.diagnostics.map((d) => d.code)).toEqual(["unused-collection"]);
    expect(result.workflow).toBeDefined();
  });

  it("says what a file that is not a mapping holds", () => {
    const result = check("- just\n- a list\n");
    expect(errors(result.diagnostics)[0]?.summary).toContain("this file holds a list");
  });
});

describe("parseWorkflowText", () => {
  it.each([
    ["tabs", "version: 1\nname: x\n\tsteps: []\n", "3:1", "tab is used for indentation"],
    ["unclosed quote", 'version: 1\nname: "abc\nsteps: []\n', "2:7", 'unclosed " quote'],
    ["duplicate key", "version: 1\nname: a\nname: b\n", "3:1", "duplicate key"],
    ["several documents", "version: 1\n---\nname: b\n", "2:1", "several (---)"],
  ])("locates YAML syntax errors: %s", (_name, text, at, message) => {
    const parsed = parseWorkflowText(text, "wf.yaml");
    const [d] = parsed.diagnostics;
    expect(`${d?.at?.line}:${d?.at?.column}`).toBe(at);
    expect(d?.summary).toContain(message);
    expect(d?.code).toBe("yaml-syntax");
  });

  it("reports an empty file", () => {
    expect(parseWorkflowText("", "wf.yaml").diagnostics[0]?.code).toBe("empty-file");
    expect(parseWorkflowText("# only a comment\n", "wf.yaml").diagnostics[0]?.code).toBe(
      "empty-file",
    );
  });

  it("parses JSON with positions", () => {
    const parsed = parseWorkflowText('{\n  "version": 1,\n  "name": "x"\n}\n', "wf.json");
    expect(parsed.value).toEqual({ version: 1, name: "x" });
    expect(parsed.locate(["name"])).toMatchObject({ line: 3, column: 11 });
  });
});
