/**
 * The Journal service on files (a temp TRANSFLOW_HOME) and in memory: create, append, reopen,
 * resume lookup, listing, torn and corrupt journals, the run lock, file modes and what is never
 * stored. Time is TestClock's and randomness a seeded Random, so run ids are known in advance.
 */
import { spawnSync } from "node:child_process";
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest";
import { planJson } from "@transflow/core";
import { Cause, ConfigProvider, Effect, Exit, Layer, Option, Random, TestClock } from "effect";
import { Journal, type RunHandle } from "../../src/run/Journal.ts";
import { parseJournal } from "../../src/run/JournalLines.ts";
import { RUN_ID_PATTERN, stateDirectory } from "../../src/run/RunFiles.ts";
import type { JournalEntry } from "../../src/run/RunState.ts";
import { entries, makePlan, meta } from "./support.ts";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "transflow-journal-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const plan = makePlan();
const e = entries(plan);
const START = Date.parse("2026-11-28T09:30:05.250Z");

/** Runs `effect` at START on `layer`, with a seeded Random. */
const run = <A, E>(effect: Effect.Effect<A, E, Journal>, layer: Layer.Layer<Journal>) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(START);
    return yield* effect.pipe(Effect.provide(layer), Effect.withRandom(Random.make("seed")));
  });

const files = () => Journal.layerAt(root);
const mode = (path: string) => statSync(path).mode & 0o777;
const journalFile = (handle: RunHandle) => join(handle.dir, "journal.jsonl");
const journalLines = (handle: RunHandle) =>
  readFileSync(journalFile(handle), "utf8").split("\n").slice(0, -1);

/** Creates a run, appends `list`, and lets go of it (as a process that stops would). */
const createWith = (list: readonly JournalEntry[]) =>
  Effect.scoped(
    Effect.gen(function* () {
      const journal = yield* Journal;
      const handle = yield* journal.create(plan, planJson(plan), meta);
      for (const entry of list) yield* journal.append(handle, entry);
      return handle;
    }),
  );

const steps = [
  e.mkdir("folder", 0, "/in/monday/"),
  e.stepDone("folder", "succeeded"),
  e.submissionId("copy", 0, "sub-0"),
  e.submitted("copy", 0, "sub-0", "task-0"),
  e.status("copy", 0, "task-0", "ACTIVE", { bytes: 100, files: 1 }),
  e.submissionId("copy", 1, "sub-1"),
];

describe.each([
  ["files", files],
  ["memory", () => Journal.layerMemory],
] as const)("Journal (%s)", (_name, layerOf) => {
  it.effect("create → append → reopen gives the same state", () =>
    Effect.gen(function* () {
      const layer = layerOf();
      const { before, after, handle } = yield* run(
        Effect.gen(function* () {
          const journal = yield* Journal;
          const { handle, before } = yield* Effect.scoped(
            Effect.gen(function* () {
              const handle = yield* journal.create(plan, planJson(plan), meta);
              for (const entry of steps) yield* journal.append(handle, entry);
              return { handle, before: yield* journal.state(handle) };
            }),
          );
          const after = yield* Effect.scoped(
            Effect.flatMap(journal.open(handle.runId), (reopened) => journal.state(reopened)),
          );
          return { before, after, handle };
        }),
        layer,
      );
      expect(handle.runId).toMatch(RUN_ID_PATTERN);
      expect(handle.runId).toMatch(/^20261128T093005Z-nightly-[0-9a-f]{6}$/);
      expect(handle.info.createdAt).toBe("2026-11-28T09:30:05.250Z");
      expect(after).toEqual(before);
      expect(before.records).toBe(steps.length);
      expect(before.steps[1]?.batches.map((b) => [b.submissionId, b.taskId])).toEqual([
        ["sub-0", "task-0"],
        ["sub-1", undefined],
      ]);
      expect(before.steps[1]?.batches[0]?.status?.t).toBe("2026-11-28T09:30:05.250Z");
    }),
  );

  it.effect("makes the same run id from the same clock and seed", () =>
    Effect.gen(function* () {
      const id = () =>
        run(
          Effect.map(createWith([]), (handle) => handle.runId),
          layerOf(),
        );
      const first = yield* id();
      rmSync(join(root, "runs"), { recursive: true, force: true });
      expect(yield* id()).toBe(first);
    }),
  );

  it.effect("does not write a task status equal to the last one", () =>
    Effect.gen(function* () {
      const state = yield* run(
        Effect.scoped(
          Effect.gen(function* () {
            const journal = yield* Journal;
            const handle = yield* journal.create(plan, planJson(plan), meta);
            for (const entry of steps) yield* journal.append(handle, entry);
            yield* journal.append(
              handle,
              e.status("copy", 0, "task-0", "ACTIVE", { bytes: 100, files: 1 }),
            );
            yield* journal.append(
              handle,
              e.status("copy", 0, "task-0", "ACTIVE", { bytes: 150, files: 1 }),
            );
            return yield* journal.state(handle);
          }),
        ),
        layerOf(),
      );
      expect(state.records).toBe(steps.length + 1);
      expect(state.steps[1]?.batches[0]?.status?.bytes).toBe(150);
    }),
  );

  it.effect("refuses, as a defect, a record that would let a batch be submitted twice", () =>
    Effect.gen(function* () {
      const exit = yield* run(
        Effect.scoped(
          Effect.gen(function* () {
            const journal = yield* Journal;
            const handle = yield* journal.create(plan, planJson(plan), meta);
            yield* journal.append(handle, e.submissionId("copy", 0, "sub-0"));
            const refused = yield* Effect.exit(
              journal.append(handle, e.submissionId("copy", 0, "sub-other")),
            );
            expect((yield* journal.state(handle)).records).toBe(1);
            return refused;
          }),
        ),
        layerOf(),
      );
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true);
      expect(String(Exit.isFailure(exit) ? Cause.pretty(exit.cause) : "")).toMatch(
        /already has submission id sub-0, not sub-other/,
      );
    }),
  );

  it.effect("lets one holder drive a run at a time", () =>
    Effect.gen(function* () {
      const outcome = yield* run(
        Effect.gen(function* () {
          const journal = yield* Journal;
          const second = yield* Effect.scoped(
            Effect.gen(function* () {
              const handle = yield* journal.create(plan, planJson(plan), meta);
              return {
                handle,
                error: yield* Effect.flip(Effect.scoped(journal.open(handle.runId))),
              };
            }),
          );
          // Released with the scope: the run can be opened again.
          const reopened = yield* Effect.scoped(journal.open(second.handle.runId));
          return { ...second, reopened };
        }),
        layerOf(),
      );
      expect(outcome.error._tag).toBe("RunLockedError");
      expect(outcome.error).toMatchObject({
        runId: outcome.handle.runId,
        pid: process.pid,
        lost: false,
      });
      expect(outcome.error.message).toMatch(/is being driven by transflow process \d+/);
      expect(outcome.reopened.runId).toBe(outcome.handle.runId);
    }),
  );

  it.effect("finds the newest run of the same workflow and inputs, if it is unfinished", () =>
    Effect.gen(function* () {
      const monday = makePlan({ inputs: { day: "monday" } });
      const tuesday = makePlan({ inputs: { day: "tuesday" } });
      const other = makePlan({ name: "weekly" });
      expect(monday.workflow.fingerprint).toBe(tuesday.workflow.fingerprint);
      const found = yield* run(
        Effect.gen(function* () {
          const journal = yield* Journal;
          const start = (p: typeof plan, finish: boolean, environment = meta.environment) =>
            Effect.scoped(
              Effect.gen(function* () {
                yield* TestClock.adjust("1 minute");
                const handle = yield* journal.create(p, planJson(p), { ...meta, environment });
                if (finish) yield* journal.append(handle, e.runDone("succeeded"));
                return handle.runId;
              }),
            );
          const finishedOld = yield* start(monday, true);
          const unfinished = yield* start(monday, false);
          yield* start(tuesday, false);
          yield* start(other, false);
          const sandbox = yield* start(monday, false, "http://127.0.0.1:8000/");
          const lookup = (inputs: typeof monday.inputs, environment?: string) =>
            journal.findUnfinished(
              monday.workflow.fingerprint,
              inputs,
              environment === undefined ? {} : { environment },
            );
          const forMonday = yield* lookup({ day: "monday" }, "production");
          const anyEnvironment = yield* lookup({ day: "monday" });
          const forFriday = yield* lookup({ day: "friday" });
          // A newer finished run (a --fresh one that ended) leaves nothing to resume.
          yield* start(monday, true);
          const afterFresh = yield* lookup({ day: "monday" }, "production");
          return {
            finishedOld,
            unfinished,
            sandbox,
            forMonday,
            anyEnvironment,
            forFriday,
            afterFresh,
          };
        }),
        layerOf(),
      );
      expect(found.finishedOld).not.toBe(found.unfinished);
      expect(Option.map(found.forMonday, (s) => [s.runId, s.outcome])).toEqual(
        Option.some([found.unfinished, "unfinished"]),
      );
      expect(Option.map(found.anyEnvironment, (s) => s.runId)).toEqual(Option.some(found.sandbox));
      expect(found.forFriday).toEqual(Option.none());
      expect(found.afterFresh).toEqual(Option.none());
    }),
  );

  it.effect("lists runs newest first with their outcome and counts", () =>
    Effect.gen(function* () {
      const listed = yield* run(
        Effect.gen(function* () {
          const journal = yield* Journal;
          yield* createWith(steps);
          yield* TestClock.adjust("1 hour");
          yield* createWith([e.runDone("failed")]);
          return yield* journal.list();
        }),
        layerOf(),
      );
      expect(listed.map((s) => [s.runId.slice(0, 16), s.outcome])).toEqual([
        ["20261128T103005Z", "failed"],
        ["20261128T093005Z", "unfinished"],
      ]);
      expect(listed[1]).toMatchObject({
        workflow: { name: "nightly", file: "nightly.yaml", fingerprint: plan.workflow.fingerprint },
        inputs: { day: "monday" },
        environment: "production",
        counts: { steps: 3, stepsDone: 1, batches: 4, withSubmissionId: 2, submitted: 2 },
      });
    }),
  );

  it.effect("stores no field it was not told to: meta and records are allowlists", () =>
    Effect.gen(function* () {
      const FAKE = "AgFAKE-TOKEN-0123456789";
      const sneakyMeta = { ...meta, accessToken: FAKE, secret: FAKE } as typeof meta;
      const sneaky = (entry: JournalEntry): JournalEntry => Object.assign({ token: FAKE }, entry);
      const stored = yield* run(
        Effect.gen(function* () {
          const journal = yield* Journal;
          const runId = yield* Effect.scoped(
            Effect.gen(function* () {
              const handle = yield* journal.create(plan, planJson(plan), sneakyMeta);
              yield* journal.append(handle, sneaky(e.submissionId("copy", 0, "s")));
              yield* journal.append(handle, sneaky(e.runDone("succeeded")));
              return handle.runId;
            }),
          );
          return yield* journal.inspect(runId);
        }),
        layerOf(),
      );
      expect(JSON.stringify(stored)).not.toContain(FAKE);
      expect(Object.keys(stored.info.meta).sort()).toEqual([
        "environment",
        "invokedWith",
        "transflowVersion",
      ]);
      // On files, nothing anywhere in the state folder holds it, nor any such key.
      for (const file of walk(root)) {
        const text = readFileSync(file, "utf8");
        expect(text).not.toContain(FAKE);
        // plan.json is the planner's document (it has e.g. `needsDataAccess`); ours are these two.
        if (file.endsWith("run.json") || file.endsWith(".jsonl")) {
          for (const line of file.endsWith(".jsonl") ? text.split("\n").filter(Boolean) : [text]) {
            expect(keysOf(JSON.parse(line)).filter((k) => /token|secret|access/i.test(k))).toEqual(
              [],
            );
          }
        }
      }
    }),
  );

  it.effect("says when a run does not exist", () =>
    Effect.gen(function* () {
      const errors = yield* run(
        Effect.gen(function* () {
          const journal = yield* Journal;
          return [
            yield* Effect.flip(Effect.scoped(journal.open("20261128T093005Z-nightly-abcdef"))),
            yield* Effect.flip(journal.inspect("../../etc")),
          ];
        }),
        layerOf(),
      );
      expect(errors.map((error) => error._tag)).toEqual(["RunNotFoundError", "RunNotFoundError"]);
      expect(errors[0]?.message).toMatch(/transflow runs/);
    }),
  );
});

const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );

const keysOf = (value: unknown): string[] =>
  typeof value === "object" && value !== null
    ? Object.entries(value).flatMap(([key, inner]) => [
        ...(Array.isArray(value) ? [] : [key]),
        ...keysOf(inner),
      ])
    : [];

describe("Journal on files", () => {
  it.effect("keeps runs in private folders, with the plan copied beside run.json", () =>
    Effect.gen(function* () {
      const handle = yield* run(createWith(steps), files());
      expect(handle.dir).toBe(join(root, "runs", handle.runId));
      expect(mode(join(root, "runs"))).toBe(0o700);
      expect(mode(handle.dir)).toBe(0o700);
      expect(readdirSync(handle.dir).sort()).toEqual(["journal.jsonl", "plan.json", "run.json"]);
      for (const name of ["journal.jsonl", "plan.json", "run.json"]) {
        expect(mode(join(handle.dir, name))).toBe(0o600);
      }
      expect(readFileSync(handle.planFile, "utf8")).toBe(planJson(plan));
      const info = JSON.parse(readFileSync(join(handle.dir, "run.json"), "utf8"));
      expect(info).toMatchObject({
        format: "transflow-run/1",
        runId: handle.runId,
        workflow: { name: "nightly", fingerprint: plan.workflow.fingerprint },
        inputs: { day: "monday" },
        plan: {
          fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
          createdAt: plan.createdAt,
        },
      });
      expect(journalLines(handle)).toHaveLength(steps.length);
    }),
  );

  it.effect("has the submission id on disk when append resolves", () =>
    Effect.gen(function* () {
      const seen = yield* run(
        Effect.scoped(
          Effect.gen(function* () {
            const journal = yield* Journal;
            const handle = yield* journal.create(plan, planJson(plan), meta);
            yield* journal.append(handle, e.submissionId("copy", 0, "sub-durable"));
            // Read straight from the file, as another process would, before anything else runs.
            return parseJournal(readFileSync(journalFile(handle)));
          }),
        ),
        files(),
      );
      expect(seen).toMatchObject({
        records: [
          { type: "batch-submission-id", step: "copy", batch: 0, submissionId: "sub-durable" },
        ],
      });
      expect("torn" in seen).toBe(false);
    }),
  );

  it.effect("sets a torn last line aside with a warning, and cuts it off before appending", () =>
    Effect.gen(function* () {
      const { handle, reopened, state, later } = yield* run(
        Effect.gen(function* () {
          const journal = yield* Journal;
          const handle = yield* createWith(steps);
          // A crash in the middle of an append: half a line, no line end.
          appendFileSync(
            journalFile(handle),
            '{"v":1,"t":"2026-11-28T09:31:00.000Z","type":"batch-subm',
          );
          const { reopened, state } = yield* Effect.scoped(
            Effect.gen(function* () {
              const reopened = yield* journal.open(handle.runId);
              const state = yield* journal.state(reopened);
              yield* journal.append(reopened, e.submitted("copy", 1, "sub-1", "task-1"));
              return { reopened, state };
            }),
          );
          const later = yield* journal.inspect(handle.runId);
          return { handle, reopened, state, later };
        }),
        files(),
      );
      expect(reopened.warnings).toEqual([
        {
          file: journalFile(handle),
          line: steps.length + 1,
          reason: expect.stringMatching(/incomplete/),
        },
      ]);
      expect(state.records).toBe(steps.length);
      expect(later.warnings).toEqual([]);
      expect(later.state.records).toBe(steps.length + 1);
      expect(later.state.steps[1]?.batches[1]?.taskId).toBe("task-1");
    }),
  );

  it.effect.each<readonly [string, (line: string) => string]>([
    ["a changed field", (line: string) => line.replace("task-0", "task-9")],
    ["a wrong checksum", (line: string) => line.replace(/"crc":"[0-9a-f]{8}"/, '"crc":"00000000"')],
    ["half a line", (line: string) => line.slice(0, 25)],
  ])("refuses a journal with %s in a middle line, naming file:line", ([_name, damage]) =>
    Effect.gen(function* () {
      const { handle, opened, inspected, listed } = yield* run(
        Effect.gen(function* () {
          const journal = yield* Journal;
          const handle = yield* createWith(steps);
          const lines = journalLines(handle);
          lines[3] = damage(lines[3] ?? "");
          writeFileSync(journalFile(handle), `${lines.join("\n")}\n`);
          return {
            handle,
            opened: yield* Effect.flip(Effect.scoped(journal.open(handle.runId))),
            inspected: yield* Effect.flip(journal.inspect(handle.runId)),
            listed: yield* journal.list(),
          };
        }),
        files(),
      );
      for (const error of [opened, inspected]) {
        expect(error._tag).toBe("JournalCorruptError");
        expect(error).toMatchObject({ file: journalFile(handle), line: 4 });
        expect(error.message).toContain(`${journalFile(handle)}:4: `);
        expect(error.message).toMatch(/--fresh/);
      }
      expect(listed).toEqual([
        { runId: handle.runId, outcome: "unreadable", problem: expect.stringContaining(":4: ") },
      ]);
    }),
  );

  it.effect("refuses a plan.json changed after the run started", () =>
    Effect.gen(function* () {
      const error = yield* run(
        Effect.gen(function* () {
          const journal = yield* Journal;
          const handle = yield* createWith([]);
          appendFileSync(handle.planFile, " ");
          return yield* Effect.flip(Effect.scoped(journal.open(handle.runId)));
        }),
        files(),
      );
      expect(error).toMatchObject({
        _tag: "JournalCorruptError",
        reason: expect.stringMatching(/changed after the run started/),
      });
    }),
  );

  it.effect("takes over at once the lock of a process on this host that died", () =>
    Effect.gen(function* () {
      const dead = spawnSync(process.execPath, ["-e", "process.exit(0)"]).pid;
      const outcome = yield* run(
        Effect.gen(function* () {
          const journal = yield* Journal;
          const handle = yield* createWith(steps);
          // What kill -9 leaves behind: the lock folder and the owner file.
          mkdirSync(join(handle.dir, "lock"));
          const owner = (pid: number) =>
            writeFileSync(
              join(handle.dir, "lock.owner.json"),
              JSON.stringify({ pid, hostname: hostname(), since: "2026-11-28T09:00:00.000Z" }),
            );
          owner(dead);
          const state = yield* Effect.scoped(
            Effect.flatMap(journal.open(handle.runId), (h) => journal.state(h)),
          );
          // A live holder (pid 1 always exists) is respected.
          mkdirSync(join(handle.dir, "lock"));
          owner(1);
          const refused = yield* Effect.flip(Effect.scoped(journal.open(handle.runId)));
          return { state, refused };
        }),
        files(),
      );
      expect(outcome.state.records).toBe(steps.length);
      expect(outcome.refused).toMatchObject({
        _tag: "RunLockedError",
        pid: 1,
        hostname: hostname(),
      });
    }),
  );

  it.effect("reads the state folder from TRANSFLOW_HOME through Effect's Config", () =>
    Effect.gen(function* () {
      const home = join(root, "home");
      const handle = yield* run(
        createWith([]),
        Journal.layer.pipe(
          Layer.provide(
            Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["TRANSFLOW_HOME", home]]))),
          ),
        ),
      );
      expect(handle.dir).toBe(join(home, "runs", handle.runId));
    }),
  );
});

describe("stateDirectory", () => {
  it.each([
    [{ TRANSFLOW_HOME: "/t", XDG_STATE_HOME: "/x", HOME: "/h" }, "/t"],
    [{ TRANSFLOW_HOME: " ", XDG_STATE_HOME: "/x", HOME: "/h" }, "/x/transflow"],
    [{ HOME: "/h" }, "/h/.local/state/transflow"],
  ])("%o → %s", (env, expected) => {
    expect(stateDirectory(env)).toBe(expected);
  });
});
