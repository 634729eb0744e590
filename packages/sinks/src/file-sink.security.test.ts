import { spawnSync } from "node:child_process";
import { link, mkdir, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KiwiError } from "@kiwi/spec";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFileSink } from "./file-sink";
import type { FileSinkSettings } from "./file-sink-settings";
import { openSinkFile } from "./open-sink-file";
import { resolveSinkPath } from "./resolve-sink-path";
import { makeTestProject, snapshot, type TestProject } from "./test-project";

let project: TestProject;
let before: { outside: Record<string, string>; base: string[] };

beforeEach(async () => {
  project = await makeTestProject();
  before = { outside: await snapshot(project.outside), base: (await readdir(project.base)).sort() };
});
afterEach(async () => {
  await project.cleanup();
});

async function refused(settings: FileSinkSettings, code = "PATH_OUTSIDE_PROJECT"): Promise<KiwiError> {
  const error = await createFileSink(settings, { projectRoot: project.root, toolId: "t" }).then(
    async (sink) => {
      await sink.close();
      return new Error(`accepted ${JSON.stringify(settings.path)}`);
    },
    (e: unknown) => e,
  );
  expect(KiwiError.isInstance(error), String(error)).toBe(true);
  expect((error as KiwiError).code).toBe(code);
  return error as KiwiError;
}

/** Nothing changed outside the project: `outside/` and the temp folder's own entries are as before. */
async function nothingOutside(): Promise<void> {
  expect(await snapshot(project.outside)).toEqual(before.outside);
  expect((await readdir(project.base)).sort()).toEqual(before.base);
  expect(await readFile(join(project.outside, "secret.txt"), "utf8")).toBe("OUTSIDE");
}

describe("file_sink path confinement (PATH_OUTSIDE_PROJECT, nothing created outside)", () => {
  it.each([
    ["../../etc/x", "dot_dot"],
    ["../outside/x.jsonl", "dot_dot"],
    ["a/../../outside/x.jsonl", "dot_dot"],
    ["./../x", "dot_dot"],
    [`${"a/".repeat(50)}${"../".repeat(51)}outside/x`, "dot_dot"],
    ["/tmp/x", "absolute"],
    ["C:\\x", "absolute"],
    ["C:x", "absolute"],
    ["\\\\server\\share\\x", "absolute"],
    ["..\\..\\x", "invalid"],
    ["a.jsonl\0.png", "nul_byte"],
    ["\0/etc", "nul_byte"],
    ["x\0", "nul_byte"],
    ["a\nb.jsonl", "invalid"],
    ["a\rb", "invalid"],
    ["\x1b[31m.jsonl", "invalid"],
    [".", "invalid"],
    ["./", "invalid"],
    ["logs/", "invalid"],
  ])("refuses %j (%s)", async (path, reason) => {
    const error = await refused({ path });
    expect(error.context.reason).toBe(reason);
    expect(error.message).not.toContain("\0");
    await nothingOutside();
  });

  it("refuses an absolute path to the outside folder, even one that exists", async () => {
    await refused({ path: join(project.outside, "x.jsonl") });
    await refused({ path: join(project.root, "inside.jsonl") }); // absolute is refused even inside
    await nothingOutside();
  });

  it("refuses a thread id like ../../x substituted into the path", async () => {
    for (const threadId of ["../../x", "../x", "../threads/victim", ".."]) {
      const error = await refused({ path: `.ai/threads/${threadId}/events.jsonl` });
      expect(error.context.reason).toBe("dot_dot");
    }
    await refused({ path: "threads/../../x/events.jsonl" });
    await nothingOutside();
    expect(await readdir(project.root)).toEqual([]); // not even .ai/threads was created
  });

  it("refuses a final component that is a symlink to a file outside; the file is unchanged", async () => {
    await symlink(join(project.outside, "secret.txt"), join(project.root, "leak.jsonl"));
    for (const append of [true, false]) {
      const error = await refused({ path: "leak.jsonl", append });
      expect(error.context.reason).toBe("symlink_final");
    }
    await nothingOutside();
  });

  it("refuses a dangling final symlink: its target is never created", async () => {
    await symlink(join(project.outside, "created.txt"), join(project.root, "x.jsonl"));
    await refused({ path: "x.jsonl" });
    await nothingOutside();
  });

  it("refuses a final symlink even when it points inside the project", async () => {
    await writeFile(join(project.root, "real.jsonl"), "");
    await symlink(join(project.root, "real.jsonl"), join(project.root, "alias.jsonl"));
    await refused({ path: "alias.jsonl" });
  });

  it("refuses a symlinked parent folder pointing outside; no new file or folder appears there", async () => {
    await symlink(project.outside, join(project.root, "d"));
    for (const path of ["d/new.jsonl", "d/sub/new.jsonl", "d/secret.txt"]) {
      const error = await refused({ path });
      expect(error.context.reason).toBe("symlink_parent");
    }
    await nothingOutside();
  });

  it("refuses a symlink chain whose last hop leaves the project", async () => {
    await mkdir(join(project.root, "scratch"));
    await symlink(project.outside, join(project.root, "scratch/hop2"));
    await symlink(join(project.root, "scratch/hop2"), join(project.root, "hop1"));
    await refused({ path: "hop1/new.jsonl" });
    await nothingOutside();
  });

  it("refuses a dangling symlinked parent folder", async () => {
    await symlink(join(project.outside, "missing-dir"), join(project.root, "d"));
    await refused({ path: "d/new.jsonl" });
    await nothingOutside();
  });

  it("refuses a hard link to a file outside (writes would land in it)", async () => {
    await link(join(project.outside, "secret.txt"), join(project.root, "hard.jsonl"));
    for (const append of [true, false]) await refused({ path: "hard.jsonl", append }, "INVALID_INPUT");
    await nothingOutside();
  });

  it("refuses a FIFO without blocking", async () => {
    const made = spawnSync("mkfifo", [join(project.root, "pipe.jsonl")]);
    if (made.status !== 0) return; // no mkfifo on this platform
    await refused({ path: "pipe.jsonl" }, "INVALID_INPUT");
    // The open itself re-checks (a FIFO swapped in mid-open is the sandbox's race test): no waiting for a reader.
    const error = await openSinkFile({ projectRoot: project.root, path: "pipe.jsonl", append: true }).catch(
      (e) => e,
    );
    expect(KiwiError.isInstance(error) && error.code).toMatch(/^(SINK_OPEN_FAILED|INVALID_INPUT)$/);
  });

  it("the open re-checks the path: a symlink at it is not written through (races: the sandbox's tests)", async () => {
    await symlink(join(project.outside, "secret.txt"), join(project.root, "raced.jsonl"));
    for (const append of [true, false]) {
      const error = await openSinkFile({ projectRoot: project.root, path: "raced.jsonl", append }).catch(
        (e) => e,
      );
      expect(KiwiError.isInstance(error) && error.code).toBe("PATH_OUTSIDE_PROJECT");
      expect(error.context.reason).toBe("symlink_final");
    }
    await nothingOutside();
  });

  it("a folder that became a symlink since the path was checked is refused, inside the project or out (link_in_path / symlink_parent)", async () => {
    // What the kernel passes is the resolved path it checked; a folder on it swapped for a link before the
    // open must not move the write, not even to another folder of the project nobody checked.
    await mkdir(join(project.root, "checked"));
    await mkdir(join(project.root, "unchecked"));
    for (const [target, reason] of [
      [join(project.root, "unchecked"), "link_in_path"],
      [project.outside, "symlink_parent"],
    ] as const) {
      await rm(join(project.root, "checked"), { recursive: true, force: true });
      await symlink(target, join(project.root, "checked"));
      const error = await refused({ path: "checked/out.jsonl" });
      expect(error.context.reason).toBe(reason);
      const viaHelper = await resolveSinkPath(project.root, "checked/out.jsonl").catch((e) => e);
      expect(KiwiError.isInstance(viaHelper) && viaHelper.code).toBe("PATH_OUTSIDE_PROJECT");
      expect(viaHelper.context.reason).toBe(reason);
    }
    expect(await readdir(join(project.root, "unchecked"))).toEqual([]);
    await nothingOutside();
  });

  it("percent-encoding is a literal name inside the project; fullwidth look-alikes of ../ are refused", async () => {
    const sink = await createFileSink({ path: "%2e%2e/x.jsonl" }, { projectRoot: project.root, toolId: "t" });
    await sink.write({ event: "message", data: "x" });
    await sink.close();
    expect(sink.path).toBe(join(project.root, "%2e%2e", "x.jsonl"));
    // The sandbox's name rules hold for sinks too: a name a normalising tool would read as `..` is refused.
    for (const path of [
      "\uff0e\uff0e\uff0foutside/x.jsonl",
      "a/\u2025/x.jsonl",
      "CON.jsonl",
      "a\u200b.jsonl",
    ]) {
      const error = await refused({ path });
      expect(error.context.reason).toBe("invalid");
    }
    await nothingOutside();
  });

  it("writes no protected path but thread folders: .git, keys and items are PATH_PROTECTED", async () => {
    for (const path of [
      ".git/hooks/pre-commit",
      "vendor/.git/config",
      ".ai/keys/signing.key",
      ".ai/tools/evil.yaml",
      ".ai/tools/capabilities/standard.yaml",
      ".ai/AGENTS.md",
      ".git",
    ]) {
      await refused({ path }, "PATH_PROTECTED");
    }
    expect(await readdir(project.root)).toEqual([]); // refused before any folder was created
    const sink = await createFileSink(
      { path: ".ai/threads/t_1/events.jsonl" },
      { projectRoot: project.root, toolId: "t" },
    );
    await sink.close();
    expect(sink.path).toBe(join(project.root, ".ai/threads/t_1/events.jsonl"));
  });
});

describe("file_sink files are the person's alone (issue 13: stream records were 0644)", () => {
  it("creates files 0600 and folders 0700, and narrows an existing readable file to 0600", async () => {
    const { stat, chmod } = await import("node:fs/promises");
    const sink = await createFileSink(
      { path: ".ai/threads/t_2/stream.jsonl" },
      { projectRoot: project.root, toolId: "t" },
    );
    await sink.write({ event: "message", data: "{}" });
    await sink.close();
    expect((await stat(sink.path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(project.root, ".ai/threads/t_2"))).mode & 0o777).toBe(0o700);
    const old = join(project.root, "old.jsonl");
    await writeFile(old, "");
    await chmod(old, 0o644);
    const again = await createFileSink({ path: "old.jsonl" }, { projectRoot: project.root, toolId: "t" });
    await again.close();
    expect((await stat(old)).mode & 0o777).toBe(0o600);
  });
});
