// After each end-to-end test file: no token the sandbox issued appears in any CLI output or any
// file transflow wrote besides its 0600 token store (issue #5, security tests).
import { afterAll, expect } from "vitest";
import { findLeaks } from "./leaks.ts";

afterAll(() => {
  expect(findLeaks()).toEqual([]);
});
