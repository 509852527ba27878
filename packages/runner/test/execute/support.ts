/** Builders shared by the execute tests. */
import type { TaskCounters } from "../../src/execute/RunEvents.ts";

/** A task's counters: zero but for `fields`. */
export const counters = (fields: Partial<TaskCounters>): TaskCounters => ({
  bytesTransferred: 0,
  files: 0,
  filesTransferred: 0,
  filesSkipped: 0,
  directories: 0,
  faults: 0,
  ...fields,
});
