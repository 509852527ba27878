// Permission errors: root ignores permission bits, so when the tests run as root (as CI does)
// this file's worker process gives up root for the `nobody` user before any test makes a file.
// Vitest runs each test file in its own process, so no other file is affected.
import { chmod, mkdir, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { listGlobusDirectory, mkdirGlobusPath } from "../../src/storage/CollectionFs.ts";
import { runTransfer } from "../../src/transfer/CopyEngine.ts";
import { runDelete } from "../../src/transfer/DeleteEngine.ts";
import {
  collections,
  deleteJob,
  never,
  put,
  recorder,
  tempDir,
  text,
  transferJob,
} from "./support.ts";

const NOBODY = 65534;

beforeAll(() => {
  if (process.getuid?.() === 0) {
    process.setgid?.(NOBODY);
    process.setuid?.(NOBODY);
  }
  expect(process.getuid?.()).not.toBe(0);
});

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

describe("runTransfer: permissions", () => {
  it("retries an unreadable source file until aborted, or skips it", async () => {
    const c = await collections();
    const locked = await put(c.src, "locked.txt", "secret");
    await chmod(locked, 0o000);
    const controller = new AbortController();
    const { hooks, recorded } = recorder({
      onEvent: (e) => {
        if (e.code === "PERMISSION_DENIED" && recorded.counters.faults >= 2) controller.abort();
      },
    });
    const outcome = await runTransfer(
      transferJob({
        ...c,
        items: [{ sourcePath: "/locked.txt", destinationPath: "/locked.txt" }],
      }),
      hooks,
      controller.signal,
    );
    expect(outcome).toEqual({ kind: "aborted" });
    expect(recorded.counters.faults).toBeGreaterThanOrEqual(2);
    const skipping = recorder();
    const skipped = await runTransfer(
      transferJob(
        { ...c, items: [{ sourcePath: "/locked.txt", destinationPath: "/locked.txt" }] },
        { skipSourceErrors: true },
      ),
      skipping.hooks,
      never(),
    );
    expect(skipped).toEqual({ kind: "succeeded" });
    expect(skipping.recorded.skipped[0]?.error_code).toBe("PERMISSION_DENIED");
    expect(await exists(join(c.dst, "locked.txt"))).toBe(false);
  });
  it("skips an unreadable source folder and keeps its destination extras", async () => {
    const c = await collections();
    await put(c.src, "m/ok.txt", "ok");
    await put(c.src, "m/locked/inner.txt", "hidden");
    await put(c.dst, "m/locked/old.txt", "kept: its source could not be read");
    await put(c.dst, "m/extra.txt", "deleted");
    await chmod(join(c.src, "m/locked"), 0o000);
    try {
      const { hooks, recorded } = recorder();
      const outcome = await runTransfer(
        transferJob(
          { ...c, items: [{ sourcePath: "/m", destinationPath: "/m", recursive: true }] },
          { skipSourceErrors: true, deleteDestinationExtra: true },
        ),
        hooks,
        never(),
      );
      expect(outcome).toEqual({ kind: "succeeded" });
      expect(recorded.skipped).toEqual([
        expect.objectContaining({
          error_code: "PERMISSION_DENIED",
          source_path: "/m/locked",
          is_directory: true,
        }),
      ]);
      expect(recorded.events.map((e) => e.code).sort()).toEqual([
        "DELETE_DESTINATION_EXTRA_SKIPPED",
        "SKIPPED_ERRORS",
      ]);
      expect((await readdir(join(c.dst, "m"))).sort()).toEqual(["locked", "ok.txt"]);
      expect(await text(c.dst, "m/locked/old.txt")).toBe("kept: its source could not be read");
    } finally {
      await chmod(join(c.src, "m/locked"), 0o755);
    }
  });

  it("retries an unwritable destination (not skippable: it is not a source error)", async () => {
    const c = await collections();
    await put(c.src, "a.txt", "a");
    await mkdir(join(c.dst, "ro"));
    await chmod(join(c.dst, "ro"), 0o555);
    const controller = new AbortController();
    const { hooks, recorded } = recorder({ onEvent: () => controller.abort() });
    const outcome = await runTransfer(
      transferJob(
        { ...c, items: [{ sourcePath: "/a.txt", destinationPath: "/ro/a.txt" }] },
        { skipSourceErrors: true },
      ),
      hooks,
      controller.signal,
    );
    expect(outcome).toEqual({ kind: "aborted" });
    expect(recorded.events[0]).toMatchObject({ code: "PERMISSION_DENIED", isError: true });
    expect(recorded.skipped).toEqual([]);
  });
});

describe("CollectionFs: permissions", () => {
  it("reports permission-denied", async () => {
    const root = await tempDir();
    await mkdir(join(root, "ro"));
    await chmod(join(root, "ro"), 0o555);
    const collection = { root, home: "/" };
    expect(await mkdirGlobusPath(collection, "/ro/x")).toEqual({
      ok: false,
      reason: "permission-denied",
    });
    await chmod(join(root, "ro"), 0o000);
    expect(await listGlobusDirectory(collection, "/ro")).toEqual({
      ok: false,
      reason: "permission-denied",
    });
    await chmod(join(root, "ro"), 0o755);
  });
});

describe("runDelete: permissions", () => {
  it("retries a path it may not delete until aborted", async () => {
    const root = await tempDir();
    await put(root, "ro/tree/f.txt", "f");
    await chmod(join(root, "ro/tree"), 0o555);
    try {
      const controller = new AbortController();
      const { hooks, recorded } = recorder({ onEvent: () => controller.abort() });
      const outcome = await runDelete(
        deleteJob(root, ["/ro/tree"], { recursive: true }),
        hooks,
        controller.signal,
      );
      expect(outcome).toEqual({ kind: "aborted" });
      expect(recorded.events[0]).toMatchObject({ code: "PERMISSION_DENIED", isError: true });
      expect(await readFile(join(root, "ro/tree/f.txt"), "utf8")).toBe("f");
    } finally {
      await chmod(join(root, "ro/tree"), 0o755);
    }
  });
});
