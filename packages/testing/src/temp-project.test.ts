import { existsSync } from "node:fs";
import { readdir, readFile, realpath, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type TempProject, tempProject } from "./temp-project";

describe("tempProject", () => {
  // Tests run in order within a file: each "is gone" test checks what the test before it made.
  let made: TempProject | undefined;

  it("makes an empty project root, user space and home inside one realpath'd temp folder", async () => {
    made = await tempProject({ prefix: "kiwi-fixture" });
    expect(made.base).toBe(await realpath(made.base));
    expect(made.base.startsWith(await realpath(tmpdir()))).toBe(true);
    expect(basename(made.base)).toMatch(/^kiwi-fixture-[A-Za-z0-9]{6}$/);
    expect(made).toMatchObject({
      projectRoot: join(made.base, "project"),
      userSpace: join(made.base, "user"),
      home: join(made.base, "home"),
    });
    expect((await readdir(made.base)).sort()).toEqual(["home", "project", "user"]);
    for (const dir of [made.projectRoot, made.userSpace, made.home]) {
      expect((await stat(dir)).isDirectory()).toBe(true);
      expect(await readdir(dir)).toEqual([]);
    }
    await writeFile(join(made.projectRoot, "file.txt"), "written by the test");
  });

  it("removed that folder, with what the test wrote in it, when the test finished", () => {
    expect(made && existsSync(made.base)).toBe(false);
  });

  it.fails("removes the folder of a test that fails too", async () => {
    made = await tempProject();
    expect(basename(made.base)).toMatch(/^kiwi-test-/);
    throw new Error("this test fails on purpose");
  });

  it("removed the failed test's folder", () => {
    expect(made && existsSync(made.base)).toBe(false);
  });

  it("links the packages it is given into node_modules, lists them in package.json, and leaves them be", async () => {
    const plugin = (await tempProject({ prefix: "kiwi-plugin" })).projectRoot;
    await writeFile(join(plugin, "package.json"), JSON.stringify({ name: "@acme/plugin" }));
    const project = await tempProject({ packages: { "@acme/plugin": plugin } });
    expect(await realpath(join(project.projectRoot, "node_modules/@acme/plugin"))).toBe(plugin);
    expect(JSON.parse(await readFile(join(project.projectRoot, "package.json"), "utf8"))).toEqual({
      name: "app",
      private: true,
      dependencies: { "@acme/plugin": "*" },
    });
    await project.remove();
    expect(existsSync(join(plugin, "package.json"))).toBe(true); // the link went, not what it points at
  });

  it("gives every call a folder of its own", async () => {
    const [a, b] = await Promise.all([tempProject(), tempProject()]);
    expect(a!.base).not.toBe(b!.base);
  });
});

describe("tempProject in a beforeEach", () => {
  const made: string[] = [];
  beforeEach(async () => {
    made.push((await tempProject()).base);
  });

  it("has a folder while the test runs", () => {
    expect(existsSync(made[0]!)).toBe(true);
  });

  it("removed the previous test's folder when that test finished", () => {
    expect(made).toHaveLength(2);
    expect(existsSync(made[0]!)).toBe(false);
    expect(existsSync(made[1]!)).toBe(true);
  });
});

describe("tempProject in a beforeAll", () => {
  let shared: TempProject;
  beforeAll(async () => {
    shared = await tempProject();
    return shared.remove; // no test to attach to: the hook's cleanup removes it after the last test
  });

  it("keeps the folder from test to test", async () => {
    await writeFile(join(shared.projectRoot, "kept.txt"), "kept");
  });

  it("still has it in the next test", () => {
    expect(existsSync(join(shared.projectRoot, "kept.txt"))).toBe(true);
  });

  it("removes it on remove(), and a second remove() is harmless", async () => {
    const own = await tempProject();
    await own.remove();
    expect(existsSync(own.base)).toBe(false);
    await own.remove();
  });
});
