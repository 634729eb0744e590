// Test support (not exported, not bundled): a temp project with the provider plugins installed
// (linked into node_modules, found through its package.json), a user space, a signed project
// directive, and `kiwi …` run in-process with captured output and an injectable Ctrl-C.
import { type ChildProcess, spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { createKernel } from "@kiwi/kernel";
import type { ThreadRuntime } from "@kiwi/kiwi-harness";
import { tempProject } from "@kiwi/testing";
import { main } from "../main";
import type { ThreadIo } from "./interrupts";
import { withThreads } from "./open-runtime";

const PLUGINS = fileURLToPath(new URL("../../../../plugins/", import.meta.url));

export interface ThreadProject {
  readonly project: string;
  readonly userSpace: string;
  /** Removes both (a project made inside a test goes by itself when the test ends). */
  remove(): Promise<void>;
}

/** A temp project whose package.json depends on both provider plugins (linked), and a user space. */
export async function createThreadProject(): Promise<ThreadProject> {
  const { projectRoot, userSpace, remove } = await tempProject({
    prefix: "kiwi-cli-thread",
    packages: {
      "@kiwi/provider-anthropic": join(PLUGINS, "provider-anthropic"),
      "@kiwi/provider-openai": join(PLUGINS, "provider-openai"),
    },
  });
  return { project: projectRoot, userSpace, remove };
}

/** A project directive for thread tests (greets; may run greet tools only). */
export function threadDirective(options: { name: string; cost?: string; permissions?: string }): string {
  return `# ${options.name}

A CLI thread test directive.

\`\`\`xml
<directive name="${options.name}" version="1.0.0">
  <metadata>
    <description>Greets someone for the CLI thread tests</description>
    <category></category>
    <model tier="fast">quick</model>
    ${options.cost ?? "<cost><max_turns>6</max_turns><max_cost_usd>0.5</max_cost_usd><max_total_tokens>100000</max_total_tokens><on_exceeded>stop</on_exceeded></cost>"}
    <permissions>${
      options.permissions ??
      `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="greet"/>`
    }</permissions>
  </metadata>
  <inputs><input name="who" type="string" required="false" default="Ada">Who to greet</input></inputs>
  <process>
    <step name="greet"><description>Greet</description><action>Run the greet tool for {who}.</action></step>
  </process>
</directive>
\`\`\`
`;
}

/** Creates (validates and signs with the user key) a directive in the project. */
export async function createDirective(where: ThreadProject, id: string, content: string): Promise<void> {
  const kernel = await createKernel({
    projectRoot: where.project,
    userSpace: where.userSpace,
    env: {},
    personAtTerminal: true,
  });
  const created = await kernel.execute({
    item_type: "directive",
    action: "create",
    item_id: id,
    parameters: { content },
  });
  if (!created.success) throw new Error(`${created.error.code}: ${created.error.message}`);
}

export interface KiwiRun {
  /** Resolves with the exit code and everything written. */
  readonly done: Promise<{ code: number; out: string; err: string }>;
  /** What was written to stdout so far. */
  out(): string;
  err(): string;
  /** Simulates a Ctrl-C. */
  interrupt(): void;
}

/** Starts `kiwi <args>` in-process (env: only what is given, plus PATH). */
export function startKiwi(
  args: string[],
  options: ThreadProject & { env?: Record<string, string>; tty?: boolean; columns?: number },
): KiwiRun {
  const stdout = Object.assign(
    new PassThrough(),
    options.tty ? { isTTY: true, columns: options.columns } : {},
  );
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c) => (out += c));
  stderr.on("data", (c) => (err += c));
  const interrupts = new EventEmitter();
  const io: ThreadIo = {
    stdout,
    stderr,
    cwd: options.project,
    env: { PATH: process.env.PATH ?? "", KIWI_USER_SPACE: options.userSpace, ...options.env },
    interrupts: interrupts as ThreadIo["interrupts"],
  };
  const done = main(args, io).then((code) => ({ code, out, err }));
  return { done, out: () => out, err: () => err, interrupt: () => interrupts.emit("SIGINT") };
}

/** Runs `kiwi <args>` in-process to its end. */
export function kiwi(
  args: string[],
  options: ThreadProject & { env?: Record<string, string>; tty?: boolean },
): Promise<{ code: number; out: string; err: string }> {
  return startKiwi(args, options).done;
}

/** Polls until `check` is true (or fails after `timeoutMs`). */
export async function until(check: () => boolean, what: string, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Runs `fn` with a runtime of its own on the project's registry (a second "process" in tests). */
export function withRegistry<T>(
  where: ThreadProject,
  fn: (runtime: ThreadRuntime) => T | Promise<T>,
): Promise<T> {
  const quiet = new PassThrough();
  return withThreads(
    { project: where.project, "user-space": where.userSpace },
    { stdout: quiet, stderr: quiet, cwd: where.project, env: { PATH: process.env.PATH ?? "" } },
    fn,
  );
}

/** Real sequences a hostile model, tool or MCP server can put in its text. */
export const HOSTILE_TEXT = {
  colour: "\x1b[31mred\x1b[0m",
  title: "\x1b]0;pwned title\x07",
  hyperlink: "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
  clear: "\x1b[2J\x1b[H",
  cursor: "\x1b[1A\x1b[2K",
  c1Csi: "\u009b31mc1 red",
  c1Osc: "\u009d0;c1 title\u009c",
  carriage: "harmless\roverwritten",
  backspace: "ab\b\bXY",
  rlo: "file\u202Etxt.exe",
  embeddings: "\u202Aa\u202Bb\u202Cc\u202Dd\u202Ee",
  isolates: "\u2066x\u2067y\u2068z\u2069",
  marks: "\u200Eleft\u200Fright\u061Carabic",
} as const;

/** Every character `inert` must never let through. */
export const LIVE_CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

const OWNER = fileURLToPath(new URL("./owner-process.ts", import.meta.url));
const CLI_PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** `kiwi thread run` of a project directive in a real child process (owner-process.ts). */
export interface OwnerProcess {
  readonly proc: ChildProcess;
  out(): string;
  readonly exit: Promise<number | null>;
}

/**
 * A thread project with the `cli_greeter` directive, run by a child process until its first turn; the
 * project and the child are cleaned up through `cleanups` (run them after each test).
 */
export async function startOwnerProcess(
  message: string,
  cleanups: (() => Promise<void> | void)[],
  options: { directive?: string; setup?: (where: ThreadProject) => Promise<void> } = {},
): Promise<{ where: ThreadProject; owner: OwnerProcess; id: string }> {
  const where = await createThreadProject();
  cleanups.push(async () => {
    await where.remove();
  });
  await createDirective(where, "cli_greeter", threadDirective({ name: "cli_greeter" }));
  await options.setup?.(where);
  const args = [
    OWNER,
    where.project,
    where.userSpace,
    message,
    ...(options.directive ? [options.directive] : []),
  ];
  const proc = spawn(process.execPath, ["--import", "tsx", ...args], {
    cwd: CLI_PACKAGE_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  cleanups.push(() => {
    proc.kill("SIGCONT");
    proc.kill("SIGKILL");
  });
  let out = "";
  proc.stdout!.setEncoding("utf8").on("data", (c: string) => (out += c));
  proc.stderr!.setEncoding("utf8").on("data", (c: string) => (out += c));
  const exit = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  const owner = { proc, out: () => out, exit };
  await until(() => out.includes("── turn 1/6"), `the child's first turn (output so far: ${out})`, 15_000);
  return { where, owner, id: /^thread (\S+)/m.exec(out)![1]! };
}
