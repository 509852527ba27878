/**
 * plan.json on disk: written a chunk at a time (a million-item plan is never one string) to a
 * temporary file beside the target, then renamed over it, so a reader never sees half a plan.
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { type Plan, planJsonChunks } from "@transflow/core";

/** Writes `plan` as canonical plan.json; resolves to the bytes written. */
export const writePlanFile = async (file: string, plan: Plan): Promise<number> => {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const out = createWriteStream(temporary, { flags: "wx" });
  let bytes = 0;
  try {
    await once(out, "open");
    for (const chunk of planJsonChunks(plan)) {
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await once(out, "drain");
    }
    out.end();
    await once(out, "finish");
    await rename(temporary, file);
    return bytes;
  } catch (error) {
    out.destroy();
    await rm(temporary, { force: true });
    throw error;
  }
};
