/**
 * Where a run's events go, for `run` and `wait` alike: JSON lines with `--json`, progress bars on
 * a terminal, plain timestamped lines in a log.
 */
import type { RunEvent } from "@transflow/runner";
import type { Io } from "../Io.ts";
import { makeRunLineRenderer, renderRunEventJson } from "./RunLines.ts";

export interface RunRenderer {
  readonly render: (event: RunEvent) => void;
  /** Leaves the last picture on screen (progress bars) and stops redrawing. */
  readonly stop: () => void;
}

export const makeRunRenderer = async (io: Io, json: boolean): Promise<RunRenderer> => {
  if (json) {
    return { render: (event) => io.stdout.write(renderRunEventJson(event)), stop: () => {} };
  }
  if (io.stderr.isTTY === true && io.env.TERM !== "dumb") {
    // Loaded only on a terminal: cli-progress is not needed in logs.
    const { makeRunProgress } = await import("./RunProgress.ts");
    return makeRunProgress(io);
  }
  const lines = makeRunLineRenderer();
  return {
    render: (event) => {
      const text = lines(event);
      if (text !== undefined) io.stdout.write(text);
    },
    stop: () => {},
  };
};
