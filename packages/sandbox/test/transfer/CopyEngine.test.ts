import { randomBytes } from "node:crypto";
import {
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  utimes,
} from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checksumBytes } from "../../src/transfer/Checksum.ts";
import { runTransfer } from "../../src/transfer/CopyEngine.ts";
import { collections, never, put, recorder, tempDir, text, transferJob } from "./support.ts";

const exists = async (path: string): Promise<boolean> => {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
};

/** Every subtask ended one way or another and none is left pending. */
const settledSubtasks = (c: {
  subtasks_total: number;
  subtasks_succeeded: number;
  subtasks_skipped_errors: number;
  subtasks_failed: number;
  subtasks_pending: number;
  subtasks_retrying: number;
}) => {
  expect(c.subtasks_pending).toBe(0);
  expect(c.subtasks_retrying).toBe(0);
  expect(c.subtasks_succeeded + c.subtasks_skipped_errors + c.subtasks_failed).toBe(
    c.subtasks_total,
  );
};

describe("runTransfer: items", () => {
  it("copies a file item to its full destination path, creating missing folders", async () => {
    const c = await collections();
    await put(c.src, "data/a.txt", "hello");
    const { hooks, recorded } = recorder();
    const outcome = await runTransfer(
      transferJob({ ...c, items: [{ sourcePath: "/data/a.txt", destinationPath: "/x/y/b.txt" }] }),
      hooks,
      never(),
    );
    expect(outcome).toEqual({ kind: "succeeded" });
    expect(await text(c.dst, "x/y/b.txt")).toBe("hello");
    expect(recorded.successful).toEqual([
      { source_path: "/data/a.txt", destination_path: "/x/y/b.txt", size: 5 },
    ]);
    expect(recorded.counters).toMatchObject({
      files: 1,
      files_transferred: 1,
      bytes_transferred: 5,
      faults: 0,
    });
    settledSubtasks(recorded.counters);
  });

  it("copies a directory's contents into the destination directory (recursive)", async () => {
    const c = await collections();
    await put(c.src, "run/a.txt", "A");
    await put(c.src, "run/sub/b.txt", "BB");
    await put(c.src, "run/sub/deeper/c.txt", "CCC");
    await mkdir(join(c.src, "run/empty"));
    const { hooks, recorded } = recorder();
    const outcome = await runTransfer(
      transferJob({
        ...c,
        items: [{ sourcePath: "/run/", destinationPath: "/out/run/", recursive: true }],
      }),
      hooks,
      never(),
    );
    expect(outcome).toEqual({ kind: "succeeded" });
    expect(await text(c.dst, "out/run/a.txt")).toBe("A");
    expect(await text(c.dst, "out/run/sub/b.txt")).toBe("BB");
    expect(await text(c.dst, "out/run/sub/deeper/c.txt")).toBe("CCC");
    expect((await stat(join(c.dst, "out/run/empty"))).isDirectory()).toBe(true);
    expect(recorded.counters).toMatchObject({
      files: 3,
      directories: 4,
      files_transferred: 3,
      bytes_transferred: 6,
    });
    expect(recorded.successful.map((s) => s.destination_path).sort()).toEqual([
      "/out/run/a.txt",
      "/out/run/sub/b.txt",
      "/out/run/sub/deeper/c.txt",
    ]);
    settledSubtasks(recorded.counters);
  });

  it("copies many files at once without losing or mixing any", async () => {
    const c = await collections();
    const names: string[] = [];
    for (let d = 0; d < 5; d++) {
      for (let f = 0; f < 100; f++) names.push(`d${d}/f${f}.txt`);
    }
    await Promise.all(names.map((name) => put(c.src, `many/${name}`, `content of ${name}`)));
    const { hooks, recorded } = recorder();
    const outcome = await runTransfer(
      transferJob(
        { ...c, items: [{ sourcePath: "/many", destinationPath: "/many" }] },
        { concurrency: 7 },
      ),
      hooks,
      never(),
    );
    expect(outcome).toEqual({ kind: "succeeded" });
    for (const name of names) expect(await text(c.dst, `many/${name}`)).toBe(`content of ${name}`);
    expect(recorded.successful).toHaveLength(500);
    expect(new Set(recorded.successful.map((s) => s.destination_path)).size).toBe(500);
    expect(recorded.counters).toMatchObject({ files: 500, directories: 6, files_transferred: 500 });
    settledSubtasks(recorded.counters);
  });

  it("detects file or directory when recursive is omitted", async () => {
    const c = await collections();
    await put(c.src, "dir/f.txt", "in dir");
    await put(c.src, "single.txt", "single");
    const { hooks } = recorder();
    const outcome = await runTransfer(
      transferJob({
        ...c,
        items: [
          { sourcePath: "/dir", destinationPath: "/dir-copy" },
          { sourcePath: "/single.txt", destinationPath: "/single-copy.txt" },
        ],
      }),
      hooks,
      never(),
    );
    expect(outcome).toEqual({ kind: "succeeded" });
    expect(await text(c.dst, "dir-copy/f.txt")).toBe("in dir");
    expect(await text(c.dst, "single-copy.txt")).toBe("single");
  });

  it("fails with IS_A_DIRECTORY for a directory with recursive false, NOT_A_DIRECTORY for a file with recursive true", async () => {
    const c = await collections();
    await put(c.src, "dir/f.txt", "x");
    const first = await runTransfer(
      transferJob({
        ...c,
        items: [{ sourcePath: "/dir", destinationPath: "/d", recursive: false }],
      }),
      recorder().hooks,
      never(),
    );
    expect(first).toMatchObject({
      kind: "failed",
      fatal: { code: "IS_A_DIRECTORY", description: "is a directory" },
    });
    const second = await runTransfer(
      transferJob({
        ...c,
        items: [{ sourcePath: "/dir/f.txt", destinationPath: "/f", recursive: true }],
      }),
      recorder().hooks,
      never(),
    );
    expect(second).toMatchObject({ kind: "failed", fatal: { code: "NOT_A_DIRECTORY" } });
    expect(await readdir(c.dst)).toEqual([]);
  });

  it("resolves ~ paths against each collection's home", async () => {
    const src = await tempDir();
    const dst = await tempDir();
    await put(src, "home/alice/notes.txt", "mine");
    const { hooks, recorded } = recorder();
    const outcome = await runTransfer(
      transferJob({
        source: { root: src, home: "/home/alice/" },
        destination: { root: dst, home: "/home/bob" },
        items: [{ sourcePath: "~/notes.txt", destinationPath: "/~/in/notes.txt" }],
      }),
      hooks,
      never(),
    );
    expect(outcome).toEqual({ kind: "succeeded" });
    expect(await text(dst, "home/bob/in/notes.txt")).toBe("mine");
    expect(recorded.successful[0]).toMatchObject({
      source_path: "/home/alice/notes.txt",
      destination_path: "/home/bob/in/notes.txt",
    });
  });
});

describe("runTransfer: source errors", () => {
  it("fails the task with FILE_NOT_FOUND for a missing source", async () => {
    const c = await collections();
    const { hooks, recorded } = recorder();
    const outcome = await runTransfer(
      transferJob({ ...c, items: [{ sourcePath: "/nope.txt", destinationPath: "/nope.txt" }] }),
      hooks,
      never(),
    );
    expect(outcome).toEqual({
      kind: "failed",
      fatal: { code: "FILE_NOT_FOUND", description: "file not found" },
    });
    expect(recorded.events).toEqual([
      expect.objectContaining({ code: "FILE_NOT_FOUND", isError: true }),
    ]);
    expect(recorded.events[0]?.details).toContain("/nope.txt");
  });

  it("skips missing sources with skip_source_errors and copies the rest", async () => {
    const c = await collections();
    await put(c.src, "ok.txt", "fine");
    const { hooks, recorded } = recorder();
    const outcome = await runTransfer(
      transferJob(
        {
          ...c,
          items: [
            { sourcePath: "/missing", destinationPath: "/missing", recursive: true },
            { sourcePath: "/ok.txt", destinationPath: "/ok.txt" },
          ],
        },
        { skipSourceErrors: true },
      ),
      hooks,
      never(),
    );
    expect(outcome).toEqual({ kind: "succeeded" });
    expect(await text(c.dst, "ok.txt")).toBe("fine");
    expect(recorded.skipped).toEqual([
      expect.objectContaining({
        error_code: "FILE_NOT_FOUND",
        source_path: "/missing",
        destination_path: "/missing",
        is_directory: true,
        is_symlink: false,
        is_delete_destination_extra: false,
      }),
    ]);
    expect(recorded.events.map((e) => e.code)).toEqual(["SKIPPED_ERRORS"]);
    expect(recorded.counters.subtasks_skipped_errors).toBe(1);
    settledSubtasks(recorded.counters);
  });
});

describe("runTransfer: sync_level", () => {
  const setup = async () => {
    const c = await collections();
    await put(c.src, "d/same.txt", "same");
    await put(c.src, "d/size.txt", "longer source");
    await put(c.src, "d/new.txt", "new");
    await put(c.src, "d/content.txt", "AAAA");
    await put(c.dst, "d/same.txt", "same");
    await put(c.dst, "d/size.txt", "short");
    await put(c.dst, "d/content.txt", "BBBB");
    // Destination files are older than the sources, except same.txt which is newer.
    const old = new Date("2020-01-01T00:00:00Z");
    const later = new Date("2030-01-01T00:00:00Z");
    for (const f of ["size.txt", "content.txt"]) await utimes(join(c.dst, "d", f), old, old);
    await utimes(join(c.dst, "d/same.txt"), later, later);
    return c;
  };
  const item = { sourcePath: "/d/", destinationPath: "/d/", recursive: true };

  it.each([
    [0, { "same.txt": "same", "size.txt": "short", "new.txt": "new", "content.txt": "BBBB" }, 3],
    [
      1,
      { "same.txt": "same", "size.txt": "longer source", "new.txt": "new", "content.txt": "BBBB" },
      2,
    ],
    [
      2,
      { "same.txt": "same", "size.txt": "longer source", "new.txt": "new", "content.txt": "AAAA" },
      1,
    ],
    [
      3,
      { "same.txt": "same", "size.txt": "longer source", "new.txt": "new", "content.txt": "AAAA" },
      1,
    ],
  ] as const)("sync_level %i copies only what differs", async (level, expected, skipped) => {
    const c = await setup();
    const { hooks, recorded } = recorder();
    const outcome = await runTransfer(
      transferJob({ ...c, items: [item] }, { syncLevel: level }),
      hooks,
      never(),
    );
    expect(outcome).toEqual({ kind: "succeeded" });
    for (const [name, content] of Object.entries(expected)) {
      expect(await text(c.dst, `d/${name}`)).toBe(content);
    }
    expect(recorded.counters.files).toBe(4);
    expect(recorded.counters.files_skipped).toBe(skipped);
    expect(recorded.counters.files_transferred).toBe(4 - skipped);
    expect(recorded.successful).toHaveLength(4 - skipped);
    settledSubtasks(recorded.counters);
  });

  it("sync_level 3 checksums both sides of same-size files", async () => {
    const c = await setup();
    const { hooks, recorded } = recorder();
    await runTransfer(transferJob({ ...c, items: [item] }, { syncLevel: 3 }), hooks, never());
    // same.txt (4+4) and content.txt (4+4) were compared by checksum.
    expect(recorded.counters.bytes_checksummed).toBe(16);
  });

  it("without sync_level overwrites everything", async () => {
    const c = await setup();
    const { hooks, recorded } = recorder();
    await runTransfer(transferJob({ ...c, items: [item] }), hooks, never());
    expect(await text(c.dst, "d/size.txt")).toBe("longer source");
    expect(await text(c.dst, "d/content.txt")).toBe("AAAA");
    expect(recorded.counters.files_transferred).toBe(4);
  });
});

describe("runTransfer: options", () => {
  it("preserve_timestamp gives the copy the source's modification time", async () => {
    const c = await collections();
    const when = new Date("2021-06-01T12:34:56Z");
    const file = await put(c.src, "t/old.txt", "old");
    await utimes(file, when, when);
    for (const verifyChecksum of [false, true]) {
      const dest = verifyChecksum ? "/checked" : "/plain";
      await runTransfer(
        transferJob(
          { ...c, items: [{ sourcePath: "/t", destinationPath: dest }] },
          { preserveTimestamp: true, verifyChecksum },
        ),
        recorder().hooks,
        never(),
      );
      expect((await stat(join(c.dst, dest, "old.txt"))).mtime.getTime()).toBe(when.getTime());
    }
    await runTransfer(
      transferJob({ ...c, items: [{ sourcePath: "/t", destinationPath: "/fresh" }] }),
      recorder().hooks,
      never(),
    );
    expect((await stat(join(c.dst, "fresh/old.txt"))).mtime.getTime()).not.toBe(when.getTime());
  });

  it("applies filter rules in order to names, by type, pruning excluded directories", async () => {
    const c = await collections();
    await put(c.src, "p/keep.txt", "k");
    await put(c.src, "p/skip.tmp", "t");
    await put(c.src, "p/important.tmp", "i");
    await put(c.src, "p/.cache/blob", "b");
    await put(c.src, "p/sub/inner.tmp", "t");
    await put(c.src, "p/sub/inner.txt", "x");
    await put(c.src, "p/logs.tmp/a.log", "dir named like a tmp file");
    const { hooks, recorded } = recorder();
    const outcome = await runTransfer(
      transferJob(
        { ...c, items: [{ sourcePath: "/p/", destinationPath: "/q/", recursive: true }] },
        {
          filterRules: [
            { method: "include", name: "important.*" },
            { method: "exclude", name: "*.tmp", type: "file" },
            { method: "exclude", name: ".cache", type: "dir" },
          ],
        },
      ),
      hooks,
      never(),
    );
    expect(outcome).toEqual({ kind: "succeeded" });
    const listing = recorded.successful.map((s) => s.destination_path).sort();
    expect(listing).toEqual([
      "/q/important.tmp",
      "/q/keep.txt",
      "/q/logs.tmp/a.log",
      "/q/sub/inner.txt",
    ]);
    expect(await exists(join(c.dst, "q/.cache"))).toBe(false);
    expect(recorded.counters.files).toBe(4);
  });

  it("delete_destination_extra removes extras but keeps what the filter rules exclude", async () => {
    const c = await collections();
    await put(c.src, "m/a.txt", "a");
    await put(c.src, "m/sub/b.txt", "b");
    await put(c.src, "m/was-dir", "now a file");
    await put(c.dst, "m/a.txt", "old a");
    await put(c.dst, "m/extra.txt", "extra");
    await put(c.dst, "m/sub/extra-dir/x.txt", "x");
    await put(c.dst, "m/keep.tmp", "filtered out, so kept");
    await put(c.dst, "m/was-dir/inside.txt", "replaced by a file");
    const { hooks, recorded } = recorder();
    const outcome = await runTransfer(
      transferJob(
        { ...c, items: [{ sourcePath: "/m", destinationPath: "/m", recursive: true }] },
        { deleteDestinationExtra: true, filterRules: [{ method: "exclude", name: "*.tmp" }] },
      ),
      hooks,
      never(),
    );
    expect(outcome).toEqual({ kind: "succeeded" });
    expect((await readdir(join(c.dst, "m"))).sort()).toEqual([
      "a.txt",
      "keep.tmp",
      "sub",
      "was-dir",
    ]);
    expect(await readdir(join(c.dst, "m/sub"))).toEqual(["b.txt"]);
    expect(await text(c.dst, "m/a.txt")).toBe("a");
    expect(await text(c.dst, "m/was-dir")).toBe("now a file");
    settledSubtasks(recorded.counters);
  });

  it("without delete_destination_extra a directory in a file's place is fatal", async () => {
    const c = await collections();
    await put(c.src, "m/x", "file");
    await put(c.dst, "m/x/inside.txt", "dir");
    const outcome = await runTransfer(
      transferJob({ ...c, items: [{ sourcePath: "/m", destinationPath: "/m", recursive: true }] }),
      recorder().hooks,
      never(),
    );
    expect(outcome).toMatchObject({ kind: "failed", fatal: { code: "IS_A_DIRECTORY" } });
    expect(await text(c.dst, "m/x/inside.txt")).toBe("dir");
  });

  it("never replaces an item's own destination, even in mirror mode", async () => {
    const c = await collections();
    await put(c.src, "f.txt", "file");
    await put(c.dst, "target/keep.txt", "a directory the user owns");
    const outcome = await runTransfer(
      transferJob(
        { ...c, items: [{ sourcePath: "/f.txt", destinationPath: "/target" }] },
        { deleteDestinationExtra: true },
      ),
      recorder().hooks,
      never(),
    );
    expect(outcome).toMatchObject({ kind: "failed", fatal: { code: "IS_A_DIRECTORY" } });
    expect(await text(c.dst, "target/keep.txt")).toBe("a directory the user owns");
  });

  it("verify_checksum re-reads every copy, and a mismatch re-sends the file", async () => {
    const c = await collections();
    const big = randomBytes(3 * 1024 * 1024 + 17);
    await put(c.src, "v/big.bin", big);
    await put(c.src, "v/small.txt", "small");
    const { hooks, recorded } = recorder({
      inject: (ctx) =>
        ctx.path === "/v/small.txt" && ctx.attempt === 0 ? "VERIFY_CHECKSUM" : undefined,
    });
    const outcome = await runTransfer(
      transferJob(
        { ...c, items: [{ sourcePath: "/v", destinationPath: "/v" }] },
        { verifyChecksum: true, checksumAlgorithm: "SHA256" },
      ),
      hooks,
      never(),
    );
    expect(outcome).toEqual({ kind: "succeeded" });
    expect(Buffer.compare(await readFile(join(c.dst, "v/big.bin")), big)).toBe(0);
    expect(await text(c.dst, "v/small.txt")).toBe("small");
    expect(recorded.events.map((e) => [e.code, e.isError])).toEqual([["VERIFY_CHECKSUM", true]]);
    expect(recorded.counters.faults).toBe(1);
    // big once, small twice (re-sent), each read twice (copy + verify).
    expect(recorded.counters.bytes_transferred).toBe(big.length + 10);
    expect(recorded.counters.bytes_checksummed).toBe(2 * (big.length + 10));
    expect(recorded.successful).toHaveLength(2);
    // No temporary file is left behind.
    expect((await readdir(join(c.dst, "v"))).sort()).toEqual(["big.bin", "small.txt"]);
  });

  it("checks external checksums; a mismatch is fatal and leaves the old destination alone", async () => {
    const c = await collections();
    await put(c.src, "e.txt", "Wikipedia");
    await put(c.dst, "bad.txt", "previous");
    const good = await runTransfer(
      transferJob({
        ...c,
        items: [
          {
            sourcePath: "/e.txt",
            destinationPath: "/good.txt",
            externalChecksum: "11E60398",
            checksumAlgorithm: "adler32",
          },
        ],
      }),
      recorder().hooks,
      never(),
    );
    expect(good).toEqual({ kind: "succeeded" });
    expect(await text(c.dst, "good.txt")).toBe("Wikipedia");
    const { hooks, recorded } = recorder();
    const bad = await runTransfer(
      transferJob({
        ...c,
        items: [
          { sourcePath: "/e.txt", destinationPath: "/bad.txt", externalChecksum: "0".repeat(32) },
        ],
      }),
      hooks,
      never(),
    );
    expect(bad).toMatchObject({ kind: "failed", fatal: { code: "EXTERNAL_CHECKSUM_MISMATCH" } });
    expect(recorded.events[0]?.details).toContain(checksumBytes("MD5", Buffer.from("Wikipedia")));
    expect(await text(c.dst, "bad.txt")).toBe("previous");
    expect((await readdir(c.dst)).sort()).toEqual(["bad.txt", "good.txt"]);
  });

  it("fails before copying when the checksum algorithm is unknown", async () => {
    const c = await collections();
    await put(c.src, "a.txt", "a");
    const outcome = await runTransfer(
      transferJob(
        { ...c, items: [{ sourcePath: "/a.txt", destinationPath: "/a.txt" }] },
        { checksumAlgorithm: "CRC64" },
      ),
      recorder().hooks,
      never(),
    );
    expect(outcome).toMatchObject({
      kind: "failed",
      fatal: { code: "UNSUPPORTED_CHECKSUM_ALGORITHM" },
    });
    expect(await readdir(c.dst)).toEqual([]);
  });
});

describe("runTransfer: faults and retries", () => {
  it("retries a file after an injected transient fault", async () => {
    const c = await collections();
    await put(c.src, "f/a.txt", "a");
    await put(c.src, "f/b.txt", "b");
    const { hooks, recorded } = recorder({
      inject: (ctx) =>
        ctx.path === "/f/b.txt" && ctx.attempt < 2 ? "CONNECTION_RESET" : undefined,
    });
    const outcome = await runTransfer(
      transferJob({ ...c, items: [{ sourcePath: "/f", destinationPath: "/f" }] }),
      hooks,
      never(),
    );
    expect(outcome).toEqual({ kind: "succeeded" });
    expect(await text(c.dst, "f/b.txt")).toBe("b");
    expect(recorded.events.map((e) => e.code)).toEqual(["CONNECTION_RESET", "CONNECTION_RESET"]);
    expect(recorded.events[0]).toMatchObject({ description: "connection reset", isError: true });
    expect(recorded.counters.faults).toBe(2);
    expect(recorded.faultCalls.filter((f) => f.path === "/f/b.txt").map((f) => f.attempt)).toEqual([
      0, 1, 2,
    ]);
    settledSubtasks(recorded.counters);
  });

  it("keeps retrying a failing file until the signal aborts", async () => {
    const c = await collections();
    await put(c.src, "a.txt", "a");
    const controller = new AbortController();
    const { hooks, recorded } = recorder({
      inject: (ctx) => {
        if (ctx.attempt === 5) controller.abort();
        return "CONNECT_FAILED";
      },
    });
    const outcome = await runTransfer(
      transferJob({ ...c, items: [{ sourcePath: "/a.txt", destinationPath: "/a.txt" }] }),
      hooks,
      controller.signal,
    );
    expect(outcome).toEqual({ kind: "aborted" });
    expect(recorded.counters.faults).toBe(5);
    expect(await exists(join(c.dst, "a.txt"))).toBe(false);
    expect(recorded.counters.subtasks_retrying).toBe(0);
    expect(recorded.counters.subtasks_pending).toBe(1);
  });

  it("enforces the destination quota: fatal with fail_on_quota_errors, else retried", async () => {
    const c = await collections();
    await put(c.src, "q/a.bin", Buffer.alloc(600));
    await put(c.src, "q/b.bin", Buffer.alloc(600));
    await put(c.dst, "already.bin", Buffer.alloc(100));
    const destination = { ...c.destination, quotaBytes: 1000 };
    const failing = await runTransfer(
      transferJob(
        { source: c.source, destination, items: [{ sourcePath: "/q", destinationPath: "/q" }] },
        { failOnQuotaErrors: true, concurrency: 1 },
      ),
      recorder().hooks,
      never(),
    );
    expect(failing).toMatchObject({ kind: "failed", fatal: { code: "QUOTA_EXCEEDED" } });
    expect(await readdir(join(c.dst, "q"))).toHaveLength(1);

    const controller = new AbortController();
    const { hooks, recorded } = recorder({
      onEvent: (e) => {
        if (e.code === "QUOTA_EXCEEDED") controller.abort();
      },
    });
    const retried = await runTransfer(
      transferJob(
        { source: c.source, destination, items: [{ sourcePath: "/q", destinationPath: "/q2" }] },
        { concurrency: 1 },
      ),
      hooks,
      controller.signal,
    );
    expect(retried).toEqual({ kind: "aborted" });
    expect(recorded.events[0]).toMatchObject({ code: "QUOTA_EXCEEDED", isError: true });
  });
});

describe("runTransfer: symlinks and the collection boundary", () => {
  it("copies what a source symlink inside the collection points to", async () => {
    const c = await collections();
    await put(c.src, "real/data.txt", "payload");
    await mkdir(join(c.src, "s"));
    await symlink("../real/data.txt", join(c.src, "s/link.txt"));
    await symlink("../real", join(c.src, "s/linked-dir"));
    const { hooks, recorded } = recorder();
    const outcome = await runTransfer(
      transferJob({
        ...c,
        items: [{ sourcePath: "/s/", destinationPath: "/s/", recursive: true }],
      }),
      hooks,
      never(),
    );
    expect(outcome).toEqual({ kind: "succeeded" });
    expect((await lstat(join(c.dst, "s/link.txt"))).isFile()).toBe(true);
    expect(await text(c.dst, "s/link.txt")).toBe("payload");
    expect(await text(c.dst, "s/linked-dir/data.txt")).toBe("payload");
    expect(recorded.counters).toMatchObject({ symlinks: 2, files: 2, directories: 2 });
  });

  it("treats a symlink leading outside the collection or nowhere as a source error", async () => {
    const c = await collections();
    const outside = await tempDir();
    await put(outside, "secret.txt", "not yours");
    await put(c.src, "s/fine.txt", "fine");
    await symlink(join(outside, "secret.txt"), join(c.src, "s/escape.txt"));
    await symlink("missing.txt", join(c.src, "s/dangling.txt"));
    const { hooks, recorded } = recorder();
    const outcome = await runTransfer(
      transferJob(
        { ...c, items: [{ sourcePath: "/s", destinationPath: "/s", recursive: true }] },
        { skipSourceErrors: true },
      ),
      hooks,
      never(),
    );
    expect(outcome).toEqual({ kind: "succeeded" });
    expect(await readdir(join(c.dst, "s"))).toEqual(["fine.txt"]);
    const byPath = Object.fromEntries(recorded.skipped.map((s) => [s.source_path, s]));
    expect(byPath["/s/escape.txt"]).toMatchObject({
      error_code: "PERMISSION_DENIED",
      is_symlink: true,
    });
    expect(byPath["/s/dangling.txt"]).toMatchObject({
      error_code: "FILE_NOT_FOUND",
      is_symlink: true,
    });

    const strict = await runTransfer(
      transferJob({ ...c, items: [{ sourcePath: "/s/dangling.txt", destinationPath: "/d.txt" }] }),
      recorder().hooks,
      never(),
    );
    expect(strict).toMatchObject({ kind: "failed", fatal: { code: "FILE_NOT_FOUND" } });
  });

  it("stops at a directory symlink that loops back onto the walk", async () => {
    const c = await collections();
    await put(c.src, "loop/a.txt", "a");
    await symlink("..", join(c.src, "loop/up"));
    const { hooks, recorded } = recorder();
    const outcome = await runTransfer(
      transferJob(
        { ...c, items: [{ sourcePath: "/loop", destinationPath: "/loop", recursive: true }] },
        { skipSourceErrors: true },
      ),
      hooks,
      never(),
    );
    expect(outcome).toEqual({ kind: "succeeded" });
    expect(recorded.skipped).toEqual([
      expect.objectContaining({ error_code: "INVALID_SYMLINK", source_path: "/loop/up" }),
    ]);
    expect(await readdir(join(c.dst, "loop"))).toEqual(["a.txt"]);
  });

  it("never writes through a destination symlink", async () => {
    const c = await collections();
    const outside = await tempDir();
    const victim = await put(outside, "victim.txt", "untouched");
    await put(c.src, "d/f.txt", "new content");
    await put(c.dst, "d/f.txt", "placeholder");
    // Both copy paths: the kernel copy and the checked (temporary file + rename) one.
    for (const verifyChecksum of [false, true]) {
      await rm(join(c.dst, "d/f.txt"));
      await symlink(victim, join(c.dst, "d/f.txt"));
      const outcome = await runTransfer(
        transferJob(
          { ...c, items: [{ sourcePath: "/d", destinationPath: "/d" }] },
          { verifyChecksum },
        ),
        recorder().hooks,
        never(),
      );
      expect(outcome).toEqual({ kind: "succeeded" });
      expect((await lstat(join(c.dst, "d/f.txt"))).isFile()).toBe(true);
      expect(await text(c.dst, "d/f.txt")).toBe("new content");
      expect(await readFile(victim, "utf8")).toBe("untouched");
    }
  });

  it("refuses a destination reached through a symlink leading outside (retried as PERMISSION_DENIED)", async () => {
    const c = await collections();
    const outside = await tempDir();
    await put(c.src, "a.txt", "a");
    await symlink(outside, join(c.dst, "out"));
    const controller = new AbortController();
    const { hooks, recorded } = recorder({ onEvent: () => controller.abort() });
    const outcome = await runTransfer(
      transferJob({ ...c, items: [{ sourcePath: "/a.txt", destinationPath: "/out/a.txt" }] }),
      hooks,
      controller.signal,
    );
    expect(outcome).toEqual({ kind: "aborted" });
    expect(recorded.events[0]).toMatchObject({ code: "PERMISSION_DENIED", isError: true });
    expect(await readdir(outside)).toEqual([]);
    expect(await readlink(join(c.dst, "out"))).toBe(outside);
  });

  it("rejects an invalid path as INVALID_PATH_NAME", async () => {
    const c = await collections();
    const outcome = await runTransfer(
      transferJob({ ...c, items: [{ sourcePath: "relative/path", destinationPath: "/x" }] }),
      recorder().hooks,
      never(),
    );
    expect(outcome).toMatchObject({ kind: "failed", fatal: { code: "INVALID_PATH_NAME" } });
  });
});
