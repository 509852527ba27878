/**
 * The fold from journal records to run state: pure, so table-driven, no files.
 */
import { describe, expect, it } from "vitest";
import {
  initialRunState,
  type JournalEntry,
  replayJournal,
  runCounts,
  runLayout,
} from "../../src/run/RunState.ts";
import { entries, fingerprintOf, makePlan, stamped } from "./support.ts";

const plan = makePlan();
const layout = runLayout(plan);
const e = entries(plan);

const replay = (list: readonly JournalEntry[]) =>
  replayJournal(
    layout,
    list.map((entry) => stamped(entry)),
  );

const stateOf = (list: readonly JournalEntry[]) => {
  const result = replay(list);
  if ("problem" in result) throw new Error(result.problem.reason);
  return result.state;
};

describe("runLayout", () => {
  it("keeps step ids, actions and batch fingerprints in plan order", () => {
    expect(layout.steps.map((s) => [s.id, s.action, s.batches.length])).toEqual([
      ["folder", "mkdir", 1],
      ["copy", "transfer", 2],
      ["tidy", "delete", 1],
    ]);
    expect(layout.steps[1]?.batches[1]).toBe(fingerprintOf(plan, "copy", 1));
  });
});

describe("replayJournal", () => {
  it("starts with nothing submitted and the run unfinished", () => {
    const state = initialRunState(layout);
    expect(state.outcome).toBe("unfinished");
    expect(state.records).toBe(0);
    expect(state.steps[1]?.batches).toEqual([
      { step: "copy", batch: 0, fingerprint: fingerprintOf(plan, "copy", 0) },
      { step: "copy", batch: 1, fingerprint: fingerprintOf(plan, "copy", 1) },
    ]);
    expect(replay([])).toEqual({ state });
  });

  it.each<[string, readonly JournalEntry[], (s: ReturnType<typeof stateOf>) => unknown, unknown]>([
    [
      "a submission id alone: not yet submitted",
      [e.submissionId("copy", 0, "sub-0")],
      (s) => s.steps[1]?.batches[0],
      {
        step: "copy",
        batch: 0,
        fingerprint: fingerprintOf(plan, "copy", 0),
        submissionId: "sub-0",
      },
    ],
    [
      "the same submission id twice (a retry) is fine",
      [e.submissionId("copy", 0, "sub-0"), e.submissionId("copy", 0, "sub-0")],
      (s) => s.steps[1]?.batches[0]?.submissionId,
      "sub-0",
    ],
    [
      "submitted: the task id and Globus's code",
      [e.submissionId("copy", 1, "sub-1"), e.submitted("copy", 1, "sub-1", "task-1", "Duplicate")],
      (s) => [s.steps[1]?.batches[1]?.taskId, s.steps[1]?.batches[1]?.code],
      ["task-1", "Duplicate"],
    ],
    [
      "the last task status counts",
      [
        e.submissionId("copy", 0, "sub-0"),
        e.submitted("copy", 0, "sub-0", "task-0"),
        e.status("copy", 0, "task-0", "ACTIVE", { bytes: 10 }),
        e.status("copy", 0, "task-0", "SUCCEEDED", { bytes: 20, files: 2 }),
      ],
      (s) => s.steps[1]?.batches[0]?.status,
      {
        step: "copy",
        batch: 0,
        taskId: "task-0",
        status: "SUCCEEDED",
        bytes: 20,
        files: 2,
        t: "2026-11-28T00:00:00.000Z",
      },
    ],
    [
      "mkdir done",
      [e.mkdir("folder", 0, "/in/monday/", true)],
      (s) => s.steps[0]?.batches[0]?.mkdir,
      { path: "/in/monday/", existed: true },
    ],
    [
      "step outcomes, the last word counting",
      [
        e.stepDone("folder", "failed"),
        e.stepDone("folder", "succeeded"),
        e.stepDone("tidy", "skipped"),
      ],
      (s) => s.steps.map((step) => step.outcome),
      ["succeeded", undefined, "skipped"],
    ],
    [
      "interruptions do not finish a run",
      [
        { type: "run-interrupted", reason: "signal" },
        { type: "run-interrupted", reason: "detach" },
      ],
      (s) => [s.outcome, s.interruptions, s.lastInterrupt],
      ["unfinished", 2, "detach"],
    ],
    ["run-done finishes it", [e.runDone("failed")], (s) => s.outcome, "failed"],
  ])("%s", (_name, list, pick, expected) => {
    const state = stateOf(list);
    expect(pick(state)).toEqual(expected);
    expect(state.records).toBe(list.length);
  });

  const wrongFingerprint: JournalEntry = {
    type: "batch-submission-id",
    step: "copy",
    batch: 0,
    fingerprint: fingerprintOf(plan, "copy", 1),
    submissionId: "sub-0",
  };

  it.each<[string, readonly JournalEntry[], number, RegExp]>([
    ["a step the plan lacks", [e.stepDone("nope", "succeeded")], 0, /no step "nope"/],
    [
      "a batch index past the step's batches",
      [e.submissionId("copy", 0, "x"), { ...wrongFingerprint, batch: 2 }],
      1,
      /has 2 batches; there is no batch 2/,
    ],
    ["another fingerprint", [wrongFingerprint], 0, /has fingerprint sha256:.* in the plan, not/],
    [
      "a second, different submission id",
      [e.submissionId("copy", 0, "sub-a"), e.submissionId("copy", 0, "sub-b")],
      1,
      /already has submission id sub-a, not sub-b/,
    ],
    [
      "a submit without a recorded submission id",
      [e.submitted("copy", 0, "sub-0", "task-0")],
      0,
      /submitted without a recorded submission id/,
    ],
    [
      "a submit with another submission id",
      [e.submissionId("copy", 0, "sub-0"), e.submitted("copy", 0, "sub-9", "task-0")],
      1,
      /has submission id sub-0, not sub-9/,
    ],
    [
      "a status for another task",
      [
        e.submissionId("copy", 0, "sub-0"),
        e.submitted("copy", 0, "sub-0", "task-0"),
        e.status("copy", 0, "task-9", "ACTIVE"),
      ],
      2,
      /has task task-0, not task-9/,
    ],
    ["a status before any task", [e.status("copy", 0, "task-0", "ACTIVE")], 0, /has no task/],
    ["a submission id for a mkdir", [e.submissionId("folder", 0, "s")], 0, /is a mkdir/],
    ["mkdir-done on a transfer", [e.mkdir("copy", 0, "/x/")], 0, /is a transfer, not a mkdir/],
    [
      "anything after run-done",
      [e.runDone("succeeded"), e.stepDone("copy", "succeeded")],
      1,
      /after run-done/,
    ],
  ])("refuses %s", (_name, list, index, reason) => {
    const result = replay(list);
    expect("problem" in result && result.problem.index).toBe(index);
    expect("problem" in result && result.problem.reason).toMatch(reason);
  });
});

describe("runCounts", () => {
  it("counts batches by what the journal says", () => {
    const state = stateOf([
      e.mkdir("folder", 0, "/in/monday/"),
      e.stepDone("folder", "succeeded"),
      e.submissionId("copy", 0, "sub-0"),
      e.submitted("copy", 0, "sub-0", "task-0"),
      e.status("copy", 0, "task-0", "FAILED"),
      e.submissionId("copy", 1, "sub-1"),
    ]);
    expect(runCounts(state)).toEqual({
      steps: 3,
      stepsDone: 1,
      batches: 4,
      withSubmissionId: 2,
      submitted: 2,
      succeeded: 1,
      failed: 1,
      inactive: 0,
    });
  });
});
