/**
 * Run events for a person at a terminal: one progress bar per task being followed, plus a total,
 * each with the runner's estimate of the time left, and the events worth reading (submissions,
 * failures, step ends) printed above the bars. cli-progress redraws in place; when the run ends
 * the bars stay as the last picture.
 */
import type { RunEvent } from "@transflow/runner";
import { MultiBar, Presets, type SingleBar } from "cli-progress";
import type { Io } from "../Io.ts";
import { formatEta, makeRunLineRenderer } from "./RunLines.ts";

const megabytes = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

export interface RunProgress {
  readonly render: (event: RunEvent) => void;
  /** Leaves the bars drawn as they are and stops redrawing. */
  readonly stop: () => void;
}

export const makeRunProgress = (io: Io): RunProgress => {
  const stream = io.stderr as NodeJS.WritableStream & { isTTY?: boolean };
  const bars = new MultiBar(
    {
      stream,
      format: " {name} |{bar}| {value}/{total} files · {bytes} · {status}",
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      autopadding: true,
      fps: 5,
    },
    Presets.shades_classic,
  );
  const lines = makeRunLineRenderer();
  const tasks = new Map<string, { bar: SingleBar; done: number; files: number; bytes: number }>();
  let total: SingleBar | undefined;
  // The runner's estimate for the whole run, from its latest `run-progress`.
  let run: Extract<RunEvent, { type: "run-progress" }> | undefined;

  const updateTotal = () => {
    let done = 0;
    let files = 0;
    let bytes = 0;
    for (const task of tasks.values()) {
      done += task.done;
      files += task.files;
      bytes += task.bytes;
    }
    total ??= bars.create(1, 0, { name: "total", bytes: "", status: "" });
    total.setTotal(Math.max(files, 1));
    const estimated = run?.estimatedBytes ?? null;
    const eta =
      run === undefined || run.tasksActive + run.tasksPending === 0
        ? ""
        : ` · ${formatEta(run.etaSeconds)}`;
    total.update(done, {
      name: "total",
      bytes:
        estimated === null || estimated <= bytes
          ? megabytes(bytes)
          : `${megabytes(bytes)} of ~${megabytes(estimated)}`,
      status: `${tasks.size} tasks${eta}`,
    });
  };

  return {
    render: (event) => {
      if (event.type === "run-progress") {
        run = event;
        updateTotal();
        return;
      }
      if (event.type === "task-progress" || event.type === "task-done") {
        const c = event.counters;
        const name = `${event.step} #${event.batch + 1}`;
        let task = tasks.get(event.taskId);
        if (task === undefined) {
          task = {
            bar: bars.create(1, 0, { name, bytes: "", status: "" }),
            done: 0,
            files: 0,
            bytes: 0,
          };
          tasks.set(event.taskId, task);
        }
        task.done = c.filesTransferred + c.filesSkipped;
        task.files = Math.max(c.files, task.done);
        task.bytes = c.bytesTransferred;
        task.bar.setTotal(Math.max(task.files, 1));
        task.bar.update(task.done, {
          name,
          bytes: megabytes(c.bytesTransferred),
          status:
            (event.type === "task-progress" && event.niceStatus
              ? `${event.status} (${event.niceStatus})`
              : event.status) +
            (event.type === "task-progress" && event.status === "ACTIVE"
              ? ` · ${formatEta(event.etaSeconds)}`
              : ""),
        });
        updateTotal();
        if (event.type === "task-progress") return;
      }
      const text = lines(event);
      if (text === undefined) return;
      // MultiBar.log only queues a line for its next redraw, and redraws only once a bar exists.
      if (bars.isActive) bars.log(text);
      else stream.write(text);
    },
    stop: () => {
      if (!bars.isActive) return;
      // Draw what is queued (the run's last lines) before the final picture: stop() does not.
      bars.update();
      bars.stop();
    },
  };
};
