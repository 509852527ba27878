import { defineConfig } from "vitest/config";

// Tests run from source: workspace packages resolve to src/ through the "source" export condition.
const resolve = { conditions: ["source"] };

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, resolve, test: { name: "unit", include: ["packages/*/test/**/*.test.ts"] } },
      {
        extends: true,
        resolve,
        test: {
          name: "e2e",
          include: ["test/**/*.test.ts"],
          // Only end-to-end tests need the built CLI; the build runs only when they do.
          globalSetup: ["test/e2e/support/global-setup.ts"],
          // After each file: no sandbox token in any output or written file (support/leaks.ts).
          setupFiles: ["test/e2e/support/leak-check.ts"],
        },
      },
    ],
  },
});
