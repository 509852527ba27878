/**
 * Run events for logs (CI, SLURM): one timestamped line per thing that happened, progress at a
 * modest rate; and for machines (`--json`): every event as one JSON line. No colours, no cursor
 * movement: a log file reads the same as the terminal did.
 */
import type { RunEvent } from "@transflow/runner";

/** A task's progress is logged at most this often (status changes are logged at once). */
export const PROGRESS_LINE_INTERVAL_MS = 30_000;

const bytes = (n: number): string => {
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

/** One line per event (or none, for progress shown too recently). */
export const makeRunLineRenderer = () => {
  const lastProgress = new Map<string, { at: number; status: string }>();
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
        const rate = event.bytesPerSecond === null ? "" : `, ${bytes(event.bytesPerSecond)}/s`;
        return line(
          `${batchName(event.step, event.batch)}: ${event.status}${event.niceStatus ? ` (${event.niceStatus})` : ""}, ${c.filesTransferred}/${c.files} files, ${bytes(c.bytesTransferred)}${rate}`,
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
          `${batchName(event.step, event.batch)}: task ${event.taskId} ${event.status}${why} (${c.filesTransferred} files, ${bytes(c.bytesTransferred)})${remedy}`,
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
