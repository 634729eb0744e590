// Hostile files where Kiwi expects a regular one (`.env`, `package.json`, `AGENTS.md`, an item): a FIFO
// must never block the reader, a device or socket is never read, a link is refused unless asked for.
// Each read runs in a process of its own (test-fixtures/read-once.ts): a reader that blocked would hang
// only that process, which is killed after a timeout and reported as the failure it is.
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm, symlink, unlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readRegularFile, readRegularFileSync } from "./read-regular-file";
import { fifosSupported, makeFifo } from "./sandbox-fixture";

const PACKAGE_ROOT = fileURLToPath(new URL("..", import.meta.url));
const FIXTURE = fileURLToPath(new URL("./test-fixtures/read-once.ts", import.meta.url));
const canFifo = await fifosSupported();
const LIMIT_MS = 8_000;

interface Outcome {
  ok: boolean;
  code?: string;
  reason?: string;
  text?: string;
}

/** Runs the reader in a child process; rejects (the test fails) when it does not answer in time. */
function readInChild(mode: "sync" | "async", file: string, follow = false): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", FIXTURE, mode, file, ...(follow ? ["follow"] : [])],
      {
        cwd: PACKAGE_ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the ${mode} reader blocked on ${file} for ${LIMIT_MS} ms (killed)`));
    }, LIMIT_MS);
    child.on("exit", () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out) as Outcome);
      } catch {
        reject(new Error(`the reader printed no result: ${out} ${err}`));
      }
    });
  });
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "kiwi-regular-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!canFifo)("a FIFO in place of a file never blocks the reader", () => {
  for (const mode of ["sync", "async"] as const) {
    it(`${mode}: a FIFO is PATH_SPECIAL_FILE at once (also when reached through a followed link)`, async () => {
      makeFifo(join(dir, ".env"));
      const started = Date.now();
      expect(await readInChild(mode, join(dir, ".env"))).toMatchObject({
        ok: false,
        code: "PATH_SPECIAL_FILE",
        reason: "special_file",
      });
      await symlink(".env", join(dir, "linked.env"));
      expect(await readInChild(mode, join(dir, "linked.env"), true)).toMatchObject({
        ok: false,
        code: "PATH_SPECIAL_FILE",
      });
      expect(Date.now() - started).toBeLessThan(2 * LIMIT_MS);
    });
  }

  it("a FIFO with a writer holding it open is refused too, not read until the writer closes", async () => {
    makeFifo(join(dir, "package.json"));
    // A process holding the write end (O_RDWR never blocks on Linux): an unprotected read would wait forever.
    const holder = spawn("sh", ["-c", `exec 3<>"${join(dir, "package.json")}"; sleep 30`], {
      stdio: "ignore",
    });
    try {
      await new Promise((r) => setTimeout(r, 100));
      expect(await readInChild("sync", join(dir, "package.json"))).toMatchObject({
        code: "PATH_SPECIAL_FILE",
      });
      expect(await readInChild("async", join(dir, "package.json"))).toMatchObject({
        code: "PATH_SPECIAL_FILE",
      });
    } finally {
      holder.kill("SIGKILL");
    }
  });

  it("a FIFO flickering in and out at the path is refused or read, never waited on", async () => {
    await writeFile(join(dir, "AGENTS.md"), "PROMPT");
    const canShell = spawnSync("sh", ["-c", "command -v mkfifo mv rm >/dev/null"]).status === 0;
    if (!canShell) return;
    const toggler = spawn(
      "sh",
      ["-c", "while :; do rm -f f; mkfifo f; mv -f f AGENTS.md; printf PROMPT > g; mv -f g AGENTS.md; done"],
      { cwd: dir, stdio: "ignore", detached: true },
    );
    try {
      const seen = new Set<string>();
      // In this process: a read that blocked would hang the test itself, which the vitest timeout reports.
      for (let i = 0; i < 300; i++) {
        try {
          const { bytes } = readRegularFileSync(join(dir, "AGENTS.md"), { maxBytes: 100 });
          expect(bytes.toString()).toMatch(/^(PROMPT)?$/);
          seen.add("read");
        } catch (error) {
          seen.add((error as { code: string }).code);
        }
        try {
          await readRegularFile(join(dir, "AGENTS.md"), { maxBytes: 100 });
          seen.add("read");
        } catch (error) {
          seen.add((error as { code: string }).code);
        }
      }
      for (const what of seen) expect(["read", "PATH_SPECIAL_FILE", "PATH_NOT_FOUND"]).toContain(what);
    } finally {
      if (toggler.pid) process.kill(-toggler.pid, "SIGKILL");
    }
  });
});

describe("other things that are not regular files", () => {
  it("a character device reached through a link (/dev/zero, endless) is refused before a byte is read", async () => {
    await symlink("/dev/zero", join(dir, ".env"));
    expect(await readInChild("sync", join(dir, ".env"), true)).toMatchObject({ code: "PATH_SPECIAL_FILE" });
    expect(await readInChild("async", join(dir, ".env"), true)).toMatchObject({ code: "PATH_SPECIAL_FILE" });
  });

  it("a UNIX socket is refused", async () => {
    const path = join(dir, "AGENTS.md");
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(path, r));
    try {
      expect(() => readRegularFileSync(path, { maxBytes: 10 })).toThrow(
        expect.objectContaining({ code: "PATH_SPECIAL_FILE" }),
      );
      await expect(readRegularFile(path, { maxBytes: 10 })).rejects.toMatchObject({
        code: "PATH_SPECIAL_FILE",
      });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("a link is refused unless the caller follows links; a folder is PATH_INVALID", async () => {
    await writeFile(join(dir, "real"), "X");
    await symlink("real", join(dir, "link"));
    expect(() => readRegularFileSync(join(dir, "link"), { maxBytes: 10 })).toThrow(
      expect.objectContaining({ code: "PATH_OUTSIDE_PROJECT" }),
    );
    expect(readRegularFileSync(join(dir, "link"), { maxBytes: 10, followLinks: true }).bytes.toString()).toBe(
      "X",
    );
    await expect(readRegularFile(dir, { maxBytes: 10 })).rejects.toMatchObject({
      code: "PATH_INVALID",
      context: { reason: "is_directory" },
    });
    await unlink(join(dir, "link"));
  });

  it("a file over the cap is FILE_TOO_LARGE, never truncated", async () => {
    await writeFile(join(dir, "big"), "x".repeat(101));
    expect(() => readRegularFileSync(join(dir, "big"), { maxBytes: 100 })).toThrow(
      expect.objectContaining({ code: "FILE_TOO_LARGE" }),
    );
    await expect(readRegularFile(join(dir, "big"), { maxBytes: 100 })).rejects.toMatchObject({
      code: "FILE_TOO_LARGE",
    });
    expect(readRegularFileSync(join(dir, "big"), { maxBytes: 101 }).bytes.length).toBe(101);
  });
});
