/**
 * The run renderers on run events: the ETA of each task and of the run in plain lines and on the
 * progress bars, and `--json` printing `run-progress` as it is.
 */
import { type RunEvent, runEvent, type TaskCounters } from "@transflow/runner";
import { describe, expect, it } from "vitest";
import type { Io } from "../../src/Io.ts";
import { formatEta, makeRunLineRenderer, renderRunEventJson } from "../../src/render/RunLines.ts";
import { makeRunProgress } from "../../src/render/RunProgress.ts";
import { makeRunRenderer } from "../../src/render/RunRenderer.ts";

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 28, 2, 50, 0) + seconds * 1000);

const counters = (fields: Partial<TaskCounters>): TaskCounters => ({
  bytesTransferred: 0,
  files: 0,
  filesTransferred: 0,
  filesSkipped: 0,
  directories: 0,
  faults: 0,
  ...fields,
});

const progress = (
  seconds: number,
  fields: Partial<Extract<RunEvent, { type: "task-progress" }>> = {},
): RunEvent =>
  runEvent("task-progress", at(seconds), {
    step: "copy",
    batch: 0,
    taskId: "985580ce-8bbf-48d7-b555-c2f41fe5681a",
    status: "ACTIVE",
    niceStatus: "OK",
    counters: counters({ files: 10, filesTransferred: 4, bytesTransferred: 4_000_000 }),
    bytesPerSecond: 2_000_000,
    estimatedBytes: 10_000_000,
    etaSeconds: 192,
    ...fields,
  });

const totals = (
  seconds: number,
  fields: Partial<Extract<RunEvent, { type: "run-progress" }>> = {},
): RunEvent =>
  runEvent("run-progress", at(seconds), {
    tasksDone: 1,
    tasksActive: 1,
    tasksPending: 1,
    files: 20,
    filesTransferred: 14,
    filesSkipped: 0,
    bytesTransferred: 14_000_000,
    estimatedBytes: 40_000_000,
    bytesPerSecond: 2_000_000,
    etaSeconds: 13_000,
    ...fields,
  });

describe("formatEta", () => {
  it("says seconds, minutes, hours or days, and ? when unknown", () => {
    expect(
      [null, 0, 42, 59.2, 192, 3599, 3600, 7500, 86_399, 273_600].map((s) => formatEta(s)),
    ).toEqual([
      "eta ?",
      "eta 0s",
      "eta 42s",
      "eta 1m00s",
      "eta 3m12s",
      "eta 59m59s",
      "eta 1h00m",
      "eta 2h05m",
      "eta 23h59m",
      "eta 3d04h",
    ]);
  });
});

describe("plain lines", () => {
  it("ends an ACTIVE task's line with its ETA, ? while unknown, none once settled", () => {
    const lines = makeRunLineRenderer();
    expect(lines(progress(0))).toBe(
      "2026-11-28T02:50:00Z copy batch 1: ACTIVE (OK), 4/10 files, 4.0 MB, 2.0 MB/s, eta 3m12s\n",
    );
    expect(makeRunLineRenderer()(progress(0, { etaSeconds: null, bytesPerSecond: null }))).toMatch(
      /, 4\.0 MB, eta \?\n$/,
    );
    expect(
      makeRunLineRenderer()(progress(0, { status: "SUCCEEDED", niceStatus: null, etaSeconds: 0 })),
    ).toBe("2026-11-28T02:50:00Z copy batch 1: SUCCEEDED, 4/10 files, 4.0 MB, 2.0 MB/s\n");
  });

  it("logs the run's totals at the pace of task progress, and at once when a task ended", () => {
    const lines = makeRunLineRenderer();
    expect(lines(totals(0))).toBe(
      "2026-11-28T02:50:00Z total: 1/3 tasks done, 14/20 files, 14.0 MB of ~40.0 MB, 2.0 MB/s, eta 3h36m\n",
    );
    // The same tasks done, 10 s later: too soon.
    expect(lines(totals(10))).toBeUndefined();
    expect(lines(totals(12, { tasksDone: 2, tasksActive: 0, etaSeconds: null }))).toBe(
      "2026-11-28T02:50:12Z total: 2/3 tasks done, 14/20 files, 14.0 MB of ~40.0 MB, 2.0 MB/s, eta ?\n",
    );
    expect(lines(totals(50, { tasksDone: 2, tasksActive: 0 }))).toMatch(/total: 2\/3 tasks/);
  });

  it("drops the ETA once nothing is left to follow, and the total while it is unknown", () => {
    expect(
      makeRunLineRenderer()(
        totals(0, {
          tasksDone: 3,
          tasksActive: 0,
          tasksPending: 0,
          estimatedBytes: null,
          bytesPerSecond: null,
          etaSeconds: 0,
        }),
      ),
    ).toBe("2026-11-28T02:50:00Z total: 3/3 tasks done, 14/20 files, 14.0 MB\n");
    expect(
      makeRunLineRenderer()(
        totals(0, {
          tasksDone: 3,
          tasksActive: 0,
          tasksPending: 0,
          estimatedBytes: 14_000_000,
          bytesPerSecond: null,
          etaSeconds: 0,
        }),
      ),
    ).toBe("2026-11-28T02:50:00Z total: 3/3 tasks done, 14/20 files, 14.0 MB\n");
  });
});

describe("--json", () => {
  it("prints run-progress and task-progress as they are, one line each", async () => {
    const out: string[] = [];
    const io: Io = {
      stdout: { write: (text: string) => out.push(text) },
      stderr: { write: () => true },
      env: {},
      cwd: "/",
    };
    const renderer = await makeRunRenderer(io, true);
    renderer.render(progress(0));
    renderer.render(totals(0));
    renderer.stop();
    expect(out).toEqual([renderRunEventJson(progress(0)), renderRunEventJson(totals(0))]);
    const parsed = out.map((line) => JSON.parse(line));
    expect(parsed[0]).toMatchObject({ estimatedBytes: 10_000_000, etaSeconds: 192 });
    expect(parsed[1]).toMatchObject({
      v: 1,
      type: "run-progress",
      time: "2026-11-28T02:50:00.000Z",
      tasksDone: 1,
      etaSeconds: 13_000,
    });
  });
});

describe("progress bars", () => {
  /** A terminal that keeps what was written, with the cursor codes taken out. */
  const terminal = () => {
    const written: string[] = [];
    const stream = {
      isTTY: true,
      columns: 200,
      write: (text: string) => {
        written.push(text);
        return true;
      },
      on: () => stream,
      removeListener: () => stream,
    };
    const io = { stdout: stream, stderr: stream, env: {}, cwd: "/" } as unknown as Io;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping terminal escapes
    const text = () => written.join("").replace(/\u001b(\[[0-9;?]*[A-Za-z]|[78])/g, "");
    return { io, text };
  };

  it("shows the ETA on a task's bar and on the total", () => {
    const { io, text } = terminal();
    const bars = makeRunProgress(io);
    bars.render(progress(0));
    bars.render(totals(0));
    bars.stop();
    const screen = text();
    expect(screen).toMatch(/copy #1 .* 4\/10 files · 4\.0 MB · ACTIVE \(OK\) · eta 3m12s/);
    expect(screen).toMatch(/total .* 4\/10 files · 4\.0 MB of ~40\.0 MB · 1 tasks · eta 3h36m/);
  });

  it("prints event lines before any bar at once, and the last ones when it stops", () => {
    const { io, text } = terminal();
    const bars = makeRunProgress(io);
    bars.render(runEvent("mkdir-done", at(0), { step: "folder", path: "/in/", existed: false }));
    // No bar yet (a mkdir-only run never has one): the line is on screen already.
    expect(text()).toContain("/in/");
    bars.render(progress(1));
    bars.render(
      runEvent("run-done", at(2), { runId: "r-1", outcome: "interrupted", exitCode: 130 }),
    );
    bars.stop();
    expect(text()).toMatch(/r-1.*interrupted/);
  });

  it("shows eta ? while unknown, and no ETA on a finished run", () => {
    const { io, text } = terminal();
    const bars = makeRunProgress(io);
    bars.render(progress(0, { etaSeconds: null }));
    bars.render(totals(0, { etaSeconds: null, estimatedBytes: null }));
    bars.stop();
    expect(text()).toMatch(/ACTIVE \(OK\) · eta \?/);
    expect(text()).toMatch(/total .* 4\.0 MB · 1 tasks · eta \?/);

    const done = terminal();
    const finished = makeRunProgress(done.io);
    finished.render(
      runEvent("task-done", at(5), {
        step: "copy",
        batch: 0,
        taskId: "985580ce-8bbf-48d7-b555-c2f41fe5681a",
        status: "SUCCEEDED",
        counters: counters({ files: 10, filesTransferred: 10, bytesTransferred: 10_000_000 }),
      }),
    );
    finished.render(totals(5, { tasksDone: 1, tasksActive: 0, tasksPending: 0, etaSeconds: 0 }));
    finished.stop();
    expect(done.text()).not.toContain("eta");
  });
});
