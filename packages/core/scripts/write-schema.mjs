// Writes packages/core/schema/workflow.schema.json from the zod schema (run after `npm run build`;
// `npm run schema`). A test fails when the committed file is stale.
import { writeFileSync } from "node:fs";
import { workflowJsonSchema } from "../dist/index.js";

const target = new URL("../schema/workflow.schema.json", import.meta.url);
writeFileSync(target, `${JSON.stringify(workflowJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
