// `kiwi run … --as <directive>` (issue 14): the command acts under the directive's permissions; on a
// terminal a denied capability may be allowed for that one command; from a script nothing is ever asked.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createKernel } from "@kiwi/kernel";
import { tempProject } from "@kiwi/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../../dist/bin.js", import.meta.url));

const READER = `# reader

\`\`\`xml
<directive name="reader" version="1.0.0">
  <metadata>
    <description>Reads the docs folder from the command line</description>
    <category></category>
    <permissions>
      <execute resource="tool" id="read_file"/>
      <read resource="filesystem" path="docs/**"/>
    </permissions>
  </metadata>
  <process>
    <step name="read"><description>Read</description><action>Read the docs.</action></step>
  </process>
</directive>
\`\`\`
`;

let projectRoot = "";
let userSpace = "";
let remove: () => Promise<void> = async () => {};

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build @kiwi/cli first`);
  ({ projectRoot, userSpace, remove } = await tempProject({ prefix: "kiwi-run-as" }));
  await mkdir(join(projectRoot, "docs"), { recursive: true });
  await mkdir(join(projectRoot, "notes"), { recursive: true });
  await writeFile(join(projectRoot, "docs/guide.md"), "# the guide\n");
  await writeFile(join(projectRoot, "notes/private.md"), "# private notes\n");
  const kernel = await createKernel({ projectRoot, userSpace, pluginSpaces: false, personAtTerminal: true });
  const made = await kernel.execute({
    item_type: "directive",
    action: "create",
    item_id: "reader",
    parameters: { content: READER },
  });
  if (!made.success) throw new Error(made.error.message);
});
afterAll(() => remove());

const env = () => ({
  PATH: process.env.PATH ?? "",
  KIWI_USER_SPACE: userSpace,
  TMPDIR: process.env.TMPDIR ?? "/tmp",
});
const args = (path: string) => [
  BIN,
  "run",
  "tool",
  "read_file",
  "--params",
  JSON.stringify({ path }),
  "--as",
  "reader",
  "--project",
  projectRoot,
];

/** The real binary from a script: stdin is a pipe (holding a "y" nobody may read as consent). */
function fromScript(path: string) {
  const r = spawnSync(process.execPath, args(path), {
    input: "y\n",
    env: env(),
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The real binary on a real terminal: `script` gives it a pseudo-terminal and types `answer`. */
function onTerminal(path: string, answer: string) {
  const quoted = [process.execPath, ...args(path)].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const r = spawnSync("script", ["-qec", quoted, "/dev/null"], {
    input: answer,
    env: env(),
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: r.status, all: r.stdout };
}

describe("kiwi run --as <directive>", () => {
  it("runs what the directive grants, from a script as from a terminal", () => {
    const r = fromScript("docs/guide.md");
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ success: true, result: { content: "# the guide\n" } });
  });

  it("from a script a denied capability is never asked about, and the message says how to grant it", () => {
    const r = fromScript("notes/private.md");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ success: false, error: { code: "CAPABILITY_DENIED" } });
    expect(r.err).toContain("fs.read notes/private.md is not granted by reader");
    expect(r.err).not.toContain("[y/N]");
    expect(r.out).not.toContain("private notes");
  });

  it.skipIf(!existsSync("/usr/bin/script"))(
    "on a terminal the person may allow it for this one command",
    () => {
      const yes = onTerminal("notes/private.md", "y\n");
      expect(yes.all).toContain(
        "reader does not grant fs.read notes/private.md. Allow it for this command? [y/N]",
      );
      expect(yes.all).toContain("# private notes");
      expect(yes.code).toBe(0);
      const no = onTerminal("notes/private.md", "n\n");
      expect(no.all).toContain("[y/N]");
      expect(no.all).toContain("CAPABILITY_DENIED");
      expect(no.all).not.toContain("# private notes");
      expect(no.code).toBe(1);
      // The grant lived for that command only: the next script run is denied again.
      expect(fromScript("notes/private.md").code).toBe(1);
    },
  );
});
