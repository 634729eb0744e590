// A vitest setup file every package's run uses (its vitest.config.ts names it): each test file gets a
// temp folder of its own and fails when it leaves anything in it. The test's own code and the processes
// it starts inherit the variables, and `os.tmpdir()` reads them on every call, so every temp folder the
// file makes lands here. Tests remove what they make: @kiwi/testing's `tempProject` does it for them.
import { existsSync, mkdtempSync, realpathSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { aroundAll } from "vitest";

// TMPDIR on POSIX; TMP and TEMP are what os.tmpdir() reads on Windows.
const VARIABLES = ["TMPDIR", "TMP", "TEMP"] as const;

// What tools keep in the temp folder on their own, not a test's leftover: tsx's compile cache, made by the
// child processes that run TypeScript fixtures (`node --import tsx`), and Node's module compile cache
// (`module.enableCompileCache()`, which npm and other CLIs the e2e runs turn on under Node 22+).
const TOOL_CACHES = /^(tsx-\d+|node-compile-cache)$/;

// The user space a kernel uses when a test names none (KIWI_USER_SPACE, else ~/.ai): pointed into the file's
// temp folder, so a test that forgets it never creates a signing key in the person's real ~/.ai. The
// person's ~/.ai is still watched, for code that reads homedir() directly.
const USER_SPACE = ".user-space";
const realUserSpace = join(homedir(), ".ai");
const hadUserSpace = existsSync(realUserSpace);

const previous = [...VARIABLES, "KIWI_USER_SPACE"].map((name) => [name, process.env[name]] as const);
const fileDir = realpathSync(mkdtempSync(join(tmpdir(), "kiwi-run-")));
for (const name of VARIABLES) process.env[name] = fileDir;
process.env.KIWI_USER_SPACE ??= join(fileDir, USER_SPACE);

// Registered before the test file's own hooks, so it wraps all of them: the check runs after every
// afterAll, every cleanup a beforeAll returned and every file-scoped fixture.
aroundAll(async (runSuite) => {
  let left: string[];
  try {
    await runSuite();
  } finally {
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    left = (await readdir(fileDir)).filter((name) => !TOOL_CACHES.test(name) && name !== USER_SPACE);
    await rm(fileDir, { recursive: true, force: true, maxRetries: 3 });
  }
  if (!hadUserSpace && existsSync(realUserSpace)) {
    throw new Error(
      `this test file created ${realUserSpace}, the person's own user space: pass a userSpace (tempProject's) or set KIWI_USER_SPACE.`,
    );
  }
  if (left.length > 0) {
    throw new Error(
      `this test file left ${left.length} entries in its temp folder: ${left.sort().join(", ")}. ` +
        "Remove what a test makes (tempProject from @kiwi/testing removes its folder when the test ends).",
    );
  }
});
