import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Tests run from source: workspace packages resolve to src/ through the "source" export condition.
    conditions: ["source"],
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
