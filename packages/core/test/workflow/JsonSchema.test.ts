import { readdirSync, readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { workflowJsonSchema } from "../../src/workflow/JsonSchema.ts";

const root = new URL("../../../../", import.meta.url);
const committed = JSON.parse(
  readFileSync(new URL("packages/core/schema/workflow.schema.json", root), "utf8"),
) as Record<string, unknown>;

const examples = readdirSync(new URL("workflows/", root)).filter((f) => /\.(ya?ml|json)$/.test(f));

describe("the published JSON Schema", () => {
  it("is up to date with the zod schema (run `npm run schema` when this fails)", () => {
    expect(committed).toEqual(workflowJsonSchema());
  });

  // The schema carries a pattern beside each "format", so formats need no plugin here.
  const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(
    committed,
  );

  it.each(examples)("accepts the example workflows/%s", (file) => {
    const value = parse(readFileSync(new URL(`workflows/${file}`, root), "utf8"));
    expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
  });

  it("is named by the modeline of every YAML example", () => {
    const yamlFiles = examples.filter((f) => /\.ya?ml$/.test(f));
    expect(yamlFiles.length).toBeGreaterThan(0);
    for (const file of yamlFiles) {
      const first = readFileSync(new URL(`workflows/${file}`, root), "utf8").split("\n")[0];
      expect(first, file).toBe(
        "# yaml-language-server: $schema=../packages/core/schema/workflow.schema.json",
      );
    }
  });

  it("rejects an unknown option and a wrong type, as an editor would show", () => {
    const bad = {
      version: 1,
      name: "x",
      collections: { a: { id: "2d1d4873-a849-4b9c-bd34-2034a2163003" } },
      steps: [
        { id: "s", transfer: { source: "a", destination: "a", syncLvl: 1, verifyChecksum: "yes" } },
      ],
    };
    expect(validate(bad)).toBe(false);
    const keywords = (validate.errors ?? []).map((e) => e.keyword);
    expect(keywords).toContain("additionalProperties");
    expect(keywords).toContain("type");
  });
});
