/**
 * Run events for logs (CI, SLURM): one timestamped line per thing that happened, progress at a
 * modest rate; and for machines (`--json`): every event as one JSON line. No colours, no cursor
 * movement: a log file reads the same as the terminal did.
 */
import type { RunEvent } from "@transflow/runner";

/** A task's progress is logged at most this often (status changes are logged at once). */
export const PROGRESS_LINE_INTERVAL_MS = 30_000;

/** A byte count in decimal units: `512 B`, `1.2 MB`. */
export const formatBytes = (n: number): string => {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
};

const batchName = (step: string, batch: number): string => `${step} batch ${batch + 1}`;

/** `eta 42s`, `eta 3m12s`, `eta 2h05m`, `eta 3d04h`; `eta ?` when it cannot be estimated yet. */
export const formatEta = (seconds: number | null): string => {
  if (seconds === null) return "eta ?";
  const s = Math.max(0, Math.ceil(seconds));
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s < 60) return `eta ${s}s`;
  if (s < 3600) return `eta ${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86_400) return `eta ${Math.floor(s / 3600)}h${pad(Math.floor(s / 60) % 60)}m`;
  return `eta ${Math.floor(s / 86_400)}d${pad(Math.floor(s / 3600) % 24)}h`;
};

/**
 * The run's bytes: `1.2 GB of ~4.0 GB` (the total is an estimate), or just the bytes moved while
 * the total is unknown or nothing more is expected.
 */
const runBytes = (transferred: number, estimated: number | null): string =>
  estimated === null || estimated <= transferred
    ? formatBytes(transferred)
    : `${formatBytes(transferred)} of ~${formatBytes(estimated)}`;

/** One line per event (or none, for progress shown too recently). */
export const makeRunLineRenderer = () => {
  const lastProgress = new Map<string, { at: number; status: string }>();
  let lastTotal: { at: number; tasksDone: number } | undefined;
  return (event: RunEvent): string | undefined => {
    const at = event.time.replace(/\.\d{3}Z$/, "Z");
    const line = (text: string) => `${at} ${text}\n`;
    switch (event.type) {
      case "run-started":
        return line(
          `${event.resumed ? "resuming" : "starting"} run ${event.runId} of ${event.workflow}: ${event.steps} steps, ${event.batches} batches`,
        );
      case "step-started":
        return line(`step ${event.step}: started`);
      case "batch-submitted":
        return line(
          `${batchName(event.step, event.batch)}: task ${event.taskId} ${event.duplicate ? "was already submitted (Globus: Duplicate)" : "submitted"}`,
        );
      case "batch-attached":
        return line(`${batchName(event.step, event.batch)}: following task ${event.taskId}`);
      case "mkdir-done":
        return line(
          `step ${event.step}: ${event.path} ${event.existed ? "already existed" : "created"}`,
        );
      case "task-progress": {
        const previous = lastProgress.get(event.taskId);
        const now = Date.parse(event.time);
        const statusChanged = previous === undefined || previous.status !== event.status;
        if (!statusChanged && now - previous.at < PROGRESS_LINE_INTERVAL_MS) return undefined;
        lastProgress.set(event.taskId, { at: now, status: event.status });
        const c = event.counters;
        const rate =
          event.bytesPerSecond === null ? "" : `, ${formatBytes(event.bytesPerSecond)}/s`;
        // A settled task has no time left worth showing (or none at all: FAILED, INACTIVE).
        const eta = event.status === "ACTIVE" ? `, ${formatEta(event.etaSeconds)}` : "";
        return line(
          `${batchName(event.step, event.batch)}: ${event.status}${event.niceStatus ? ` (${event.niceStatus})` : ""}, ${c.filesTransferred}/${c.files} files, ${formatBytes(c.bytesTransferred)}${rate}${eta}`,
        );
      }
      case "run-progress": {
        // Logged at the pace of task progress, and at once when a task ends.
        const now = Date.parse(event.time);
        if (
          lastTotal !== undefined &&
          lastTotal.tasksDone === event.tasksDone &&
          now - lastTotal.at < PROGRESS_LINE_INTERVAL_MS
        ) {
          return undefined;
        }
        lastTotal = { at: now, tasksDone: event.tasksDone };
        const tasks = event.tasksDone + event.tasksActive + event.tasksPending;
        const rate =
          event.bytesPerSecond === null ? "" : `, ${formatBytes(event.bytesPerSecond)}/s`;
        const eta =
          event.tasksActive + event.tasksPending === 0 ? "" : `, ${formatEta(event.etaSeconds)}`;
        return line(
          `total: ${event.tasksDone}/${tasks} tasks done, ${event.filesTransferred}/${event.files} files, ${runBytes(event.bytesTransferred, event.estimatedBytes)}${rate}${eta}`,
        );
      }
      case "task-event":
        return event.isError
          ? line(
              `${batchName(event.step, event.batch)}: Globus reports ${event.code}: ${event.description}`,
            )
          : undefined;
      case "task-done": {
        const c = event.counters;
        const why = event.reason ? `: ${event.reason}` : "";
        const remedy = event.remedy ? `\n  what to do: ${event.remedy}` : "";
        return line(
          `${batchName(event.step, event.batch)}: task ${event.taskId} ${event.status}${why} (${c.filesTransferred} files, ${formatBytes(c.bytesTransferred)})${remedy}`,
        );
      }
      case "step-done":
        return line(
          `step ${event.step}: ${event.outcome}${event.reason ? `: ${event.reason}` : ""}`,
        );
      case "run-done":
        return line(`run ${event.runId}: ${event.outcome}`);
      case "warning":
        return line(`warning: ${event.message}`);
    }
  };
};

/** `--json`: each event as one line of JSON (docs/run-events.md). */
export const renderRunEventJson = (event: RunEvent): string => `${JSON.stringify(event)}\n`;
