import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Tests run from source: workspace packages resolve to src/ through the "source" export condition.
    conditions: ["source"],
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/e2e/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
