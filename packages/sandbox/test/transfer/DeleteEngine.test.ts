import { lstat, mkdir, readdir, readFile, symlink } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runDelete } from "../../src/transfer/DeleteEngine.ts";
import { deleteJob, never, put, recorder, tempDir } from "./support.ts";

const exists = async (path: string): Promise<boolean> => {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
};

describe("runDelete", () => {
  it("deletes files, and directories only with recursive", async () => {
    const root = await tempDir();
    await put(root, "a.txt", "a");
    await put(root, "tree/x.txt", "x");
    await put(root, "tree/sub/y.txt", "y");
    await symlink("x.txt", join(root, "tree/link"));

    const { hooks, recorded } = recorder();
    const refused = await runDelete(deleteJob(root, ["/a.txt", "/tree/"]), hooks, never());
    expect(refused).toEqual({
      kind: "failed",
      fatal: { code: "IS_A_DIRECTORY", description: "is a directory" },
    });
    expect(await exists(join(root, "a.txt"))).toBe(false);
    expect(await exists(join(root, "tree/sub/y.txt"))).toBe(true);
    expect(recorded.counters).toMatchObject({
      files: 1,
      subtasks_succeeded: 1,
      subtasks_failed: 1,
    });

    const second = recorder();
    const outcome = await runDelete(
      deleteJob(root, ["/tree/"], { recursive: true }),
      second.hooks,
      never(),
    );
    expect(outcome).toEqual({ kind: "succeeded" });
    expect(await readdir(root)).toEqual([]);
    expect(second.recorded.counters).toMatchObject({ files: 2, symlinks: 1, directories: 2 });
  });

  it("fails with FILE_NOT_FOUND for a missing path unless ignore_missing", async () => {
    const root = await tempDir();
    await put(root, "keep.txt", "k");
    const { hooks, recorded } = recorder();
    const strict = await runDelete(deleteJob(root, ["/nope"]), hooks, never());
    expect(strict).toEqual({
      kind: "failed",
      fatal: { code: "FILE_NOT_FOUND", description: "file not found" },
    });
    expect(recorded.events[0]?.details).toContain("/nope");
    const lenient = await runDelete(
      deleteJob(root, ["/nope", "/keep.txt"], { ignoreMissing: true }),
      recorder().hooks,
      never(),
    );
    expect(lenient).toEqual({ kind: "succeeded" });
    expect(await readdir(root)).toEqual([]);
  });

  it("deletes a symlink itself, never what it points to", async () => {
    const root = await tempDir();
    const outside = await tempDir();
    await put(outside, "precious/data.txt", "keep me");
    await symlink(join(outside, "precious"), join(root, "link"));
    const outcome = await runDelete(
      deleteJob(root, ["/link"], { recursive: true }),
      recorder().hooks,
      never(),
    );
    expect(outcome).toEqual({ kind: "succeeded" });
    expect(await exists(join(root, "link"))).toBe(false);
    expect(await readFile(join(outside, "precious/data.txt"), "utf8")).toBe("keep me");
  });

  it("never deletes the collection root or through a symlink leading outside (retried as PERMISSION_DENIED)", async () => {
    const root = await tempDir();
    const outside = await tempDir();
    await put(root, "f.txt", "f");
    await put(outside, "victim.txt", "v");
    await symlink(outside, join(root, "out"));
    for (const path of ["/", "~", "/out/victim.txt"]) {
      const controller = new AbortController();
      const { hooks, recorded } = recorder({
        onEvent: () => {
          if (recorded.counters.faults >= 2) controller.abort();
        },
      });
      const outcome = await runDelete(
        deleteJob(root, [path], { recursive: true }),
        hooks,
        controller.signal,
      );
      expect(outcome).toEqual({ kind: "aborted" });
      expect(recorded.events.map((e) => e.code)).toEqual([
        "PERMISSION_DENIED",
        "PERMISSION_DENIED",
      ]);
    }
    expect(await readFile(join(root, "f.txt"), "utf8")).toBe("f");
    expect(await readFile(join(outside, "victim.txt"), "utf8")).toBe("v");
  });

  it("expands globs in the last component only, honouring backslash escapes and hidden files", async () => {
    const root = await tempDir();
    for (const name of ["a.log", "b.log", "c.txt", ".hidden.log", "*.log", "[x].log"]) {
      await put(root, `logs/${name}`, name);
    }
    await put(root, "l?gs/keep.log", "the folder's ? is not expanded");
    const outcome = await runDelete(
      deleteJob(root, ["/logs/*.log", "/l?gs/none.*"], {
        interpretGlobs: true,
        ignoreMissing: true,
      }),
      recorder().hooks,
      never(),
    );
    expect(outcome).toEqual({ kind: "succeeded" });
    expect((await readdir(join(root, "logs"))).sort()).toEqual([".hidden.log", "c.txt"]);
    expect(await readdir(join(root, "l?gs"))).toEqual(["keep.log"]);

    await put(root, "esc/*.log", "literal star");
    await put(root, "esc/a.log", "a");
    await put(root, "esc/[x].log", "brackets");
    const escaped = await runDelete(
      deleteJob(root, ["/esc/\\*.log", "/esc/\\[x\\].log", "/esc/.*"], {
        interpretGlobs: true,
        ignoreMissing: true,
      }),
      recorder().hooks,
      never(),
    );
    expect(escaped).toEqual({ kind: "succeeded" });
    expect(await readdir(join(root, "esc"))).toEqual(["a.log"]);
  });

  it("treats a glob matching nothing as a missing path", async () => {
    const root = await tempDir();
    await mkdir(join(root, "empty"));
    const outcome = await runDelete(
      deleteJob(root, ["/empty/*.bin"], { interpretGlobs: true }),
      recorder().hooks,
      never(),
    );
    expect(outcome).toMatchObject({ kind: "failed", fatal: { code: "FILE_NOT_FOUND" } });
  });

  it("without interpret_globs takes pattern characters literally", async () => {
    const root = await tempDir();
    await put(root, "d/*.log", "literal");
    await put(root, "d/a.log", "a");
    const outcome = await runDelete(deleteJob(root, ["/d/*.log"]), recorder().hooks, never());
    expect(outcome).toEqual({ kind: "succeeded" });
    expect(await readdir(join(root, "d"))).toEqual(["a.log"]);
  });

  it("retries after an injected fault", async () => {
    const root = await tempDir();
    await put(root, "a.txt", "a");
    const { hooks, recorded } = recorder({
      inject: (ctx) => (ctx.attempt === 0 ? "ENDPOINT_ERROR" : undefined),
    });
    const outcome = await runDelete(deleteJob(root, ["/a.txt"]), hooks, never());
    expect(outcome).toEqual({ kind: "succeeded" });
    expect(await exists(join(root, "a.txt"))).toBe(false);
    expect(recorded.events.map((e) => e.code)).toEqual(["ENDPOINT_ERROR"]);
    expect(recorded.counters).toMatchObject({
      faults: 1,
      subtasks_pending: 0,
      subtasks_retrying: 0,
      subtasks_succeeded: 1,
    });
  });

  it("deletes a large flat directory and counts every entry", async () => {
    const root = await tempDir();
    await Promise.all(Array.from({ length: 300 }, (_, i) => put(root, `big/f${i}`, "x")));
    const { hooks, recorded } = recorder();
    const outcome = await runDelete(deleteJob(root, ["/big"], { recursive: true }), hooks, never());
    expect(outcome).toEqual({ kind: "succeeded" });
    expect(recorded.counters).toMatchObject({ files: 300, directories: 1 });
    expect(await readdir(root)).toEqual([]);
  });
});
