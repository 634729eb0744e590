// The installable-packages promise, end to end: build, `pnpm -r pack` every publishable package, install
// the tarballs with npm into a fresh project outside the workspace, and use them there the way a user
// would — @kiwi/kernel alone, a plugin discovered from its data, `npx kiwi serve` driven by the official
// MCP client, `npx kiwi demo`, `kiwi init` and a managed thread on the scripted fake LLM. Then the same
// thread from a pnpm project (strict node_modules) and from a global `kiwi` (npm install -g). Steps share
// one scratch project and run in order.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FakeLlmServer, FakeScript } from "@kiwi/fake-llm";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  kiwiClosure,
  type PackedPackage,
  packWorkspace,
  pnpmCommand,
  publishableDirs,
} from "./pack-workspace";
import { type RegistryTrap, scopeLine, startRegistryTrap } from "./registry-trap";
import { type CommandResult, runCommand } from "./run-command";
import {
  createScratchProject,
  installEnvFor,
  kiwiEnv,
  npmInstall,
  npmInstallGlobal,
  pnpmInstall,
  provideLocalPrebuild,
  type ScratchProject,
  tarballPins,
} from "./scratch-project";

const root = fileURLToPath(new URL("../../../", import.meta.url)).replace(/\/$/, "");
const probeScript = fileURLToPath(new URL("../project-scripts/kernel-probe.mjs", import.meta.url));

let scratch: ScratchProject;
let pnpmScratch: ScratchProject | undefined;
let globalScratch: ScratchProject | undefined;
let leanScratch: ScratchProject | undefined;
let trap: RegistryTrap;
let fake: FakeLlmServer | undefined;
let packed: PackedPackage[] = [];
/** What a release promises: ESM only, the Node versions tested, the @kiwi scope's own registry. */
const ENGINES = "^20.12.0 || ^22.0.0 || ^24.0.0";
const SCOPE_REGISTRY = "https://npm.pkg.github.com";
const timings: [string, number][] = [];

const README_PROJECT = "/abs/path/to/project";

/** The `mcpServers.kiwi` block every README shows (they must all show the same), for `project`. */
function readmeMcpServer(project: string): { command: string; args: string[] } {
  const blocks = ["README.md", "packages/cli/README.md", "packages/mcp/README.md"].map((file) => {
    const text = readFileSync(join(root, file), "utf8");
    const match = /```json\n(\{\n\s*"mcpServers"[\s\S]*?)\n```/.exec(text);
    if (!match?.[1]) throw new Error(`${file} shows no mcpServers block`);
    return match[1];
  });
  expect(new Set(blocks).size, "every README shows the same MCP client config").toBe(1);
  const kiwi = (JSON.parse(blocks[0]!) as { mcpServers: { kiwi: { command: string; args: string[] } } })
    .mcpServers.kiwi;
  const fill = (s: string) => s.split(README_PROJECT).join(project);
  return { command: fill(kiwi.command), args: kiwi.args.map(fill) };
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await fn();
  } finally {
    timings.push([label, performance.now() - started]);
  }
}

/** Every @kiwi/* package in the scratch project came from a tarball, none from a registry. */
async function expectKiwiFromTarballs() {
  // Nothing asked the @kiwi scope's registry (the trap) for anything.
  expect(trap.take()).toEqual([]);
  const lock = JSON.parse(await readFile(join(scratch.project, "package-lock.json"), "utf8")) as {
    packages: Record<string, { resolved?: string; version?: string }>;
  };
  const kiwi = Object.entries(lock.packages).filter(([path]) => path.includes("node_modules/@kiwi/"));
  const fromElsewhere = kiwi.filter(([, entry]) => !entry.resolved?.startsWith("file:"));
  expect(fromElsewhere.map(([path, entry]) => `${path} ← ${entry.resolved}`)).toEqual([]);
  return kiwi.map(([path]) => path.slice("node_modules/".length));
}

interface Probe {
  kernelEntry: string;
  spaces: { name: string; kind: string; root?: string }[];
  pluginProblems: unknown[];
  greetSearch: { success: boolean; results: { id: string; space: string; status: string }[] };
  greetRun: { success: boolean; result?: { config?: { greeting?: string } }; error?: unknown };
  websocketSearch: { success: boolean; results: { id: string; space: string; status: string }[] };
  websocketLoad?: { success: boolean; space?: string; tool_type?: string; module?: string; error?: unknown };
}

/** Runs the kernel probe with plain `node` in the scratch project and parses its JSON line. */
async function probeKernel(step: string): Promise<Probe> {
  const target = join(scratch.project, "kernel-probe.mjs");
  await copyFile(probeScript, target);
  const { stdout } = await runCommand({
    step,
    command: process.execPath,
    args: [target, scratch.project, scratch.userSpace],
    cwd: scratch.project,
    env: kiwiEnv(scratch),
    timeoutMs: 60_000,
  });
  const line = stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line) as Probe;
  } catch {
    throw new Error(`${step}: the probe printed no JSON line; stdout was:\n${stdout}`);
  }
}

/** What the scripted model answers last in hello_kiwi: the summary's final_text. */
const HELLO_FINAL = "Hello, Ada! The greet tool greeted you; help(topic=kiwi-overview) tells you more.";

/** hello_kiwi on the scripted model: run greet for Ada, then answer. */
function helloScript(): FakeScript {
  return {
    turns: [
      {
        text: "Greeting Ada first.",
        tool_calls: [
          {
            name: "execute",
            arguments: { item_type: "tool", action: "run", item_id: "greet", parameters: { who: "Ada" } },
          },
        ],
        usage: { input_tokens: 900, output_tokens: 30 },
      },
      { text: HELLO_FINAL, usage: { input_tokens: 1100, output_tokens: 25 } },
    ],
  };
}

/** Node 22.13+ and 24 have node:sqlite without a flag: the registry needs no native build there. */
const nodeSqliteBuiltIn = (() => {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 13);
})();

/**
 * `kiwi thread run hello_kiwi "Hi"` (with the directive's required input) in `project`, the Anthropic
 * provider pointed at the loopback fake LLM with a dummy key. Exit 0 or 1: the caller checks the outcome.
 */
async function threadRun(step: string, kiwi: string, project: string, env: NodeJS.ProcessEnv) {
  fake!.setScript(helloScript());
  const asked = fake!.requests.length;
  const result = await timed(step, () =>
    runCommand({
      step,
      command: kiwi,
      args: ["thread", "run", "hello_kiwi", "Hi", "--inputs", JSON.stringify({ name: "Ada" }), "--json"],
      cwd: project,
      env: { ...env, ANTHROPIC_API_KEY: "e2e-dummy-key", ANTHROPIC_BASE_URL: fake!.anthropicBaseUrl },
      timeoutMs: 120_000,
      okCodes: [0, 1],
    }),
  );
  return { ...result, requests: fake!.requests.slice(asked) };
}

/** The thread completed on the fake LLM: two turns asked with the dummy key, the final text, a transcript. */
function expectCompleted(run: CommandResult & { requests: FakeLlmServer["requests"] }, step: string) {
  const detail = `${step} (exit ${run.code})\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
  let summary: Record<string, unknown> | undefined;
  try {
    summary = JSON.parse(run.stdout) as Record<string, unknown>;
  } catch {
    summary = undefined;
  }
  expect(summary, detail).toMatchObject({
    success: true,
    status: "completed",
    directive: "hello_kiwi",
    provider: "anthropic",
    turns: 2,
    final_text: HELLO_FINAL,
  });
  expect(run.code, detail).toBe(0);
  expect(existsSync(String(summary?.transcript_path)), detail).toBe(true);
  expect(run.requests.map((r) => r.endpoint)).toEqual(["anthropic", "anthropic"]);
  expect(run.requests[0]?.headers["x-api-key"]).toBe("e2e-dummy-key");
}

beforeAll(async () => {
  const pnpm = pnpmCommand(root);
  await timed("build (turbo run build)", () =>
    runCommand({
      step: "build (turbo run build)",
      // Through the pinned pnpm, as scripts/run.mjs does: turbo needs the package manager on PATH.
      command: pnpm.command,
      args: [...pnpm.args, "exec", "turbo", "run", "build", "--output-logs=errors-only"],
      cwd: root,
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" },
      timeoutMs: 200_000,
    }),
  );
  trap = await startRegistryTrap();
  // Imported once the build has run: the scripted LLM the thread steps talk to, on loopback.
  const { createFakeLlmServer } = await import("@kiwi/fake-llm");
  fake = await createFakeLlmServer({ script: helloScript() });
  scratch = await createScratchProject({ npmrc: scopeLine(trap) });
  const packs = join(scratch.base, "packs");
  await mkdir(packs);
  packed = await timed("pnpm -r pack", () => packWorkspace(root, packs));
  // What a user installing packed tarballs writes: every @kiwi name pinned to its tarball.
  const manifestFile = join(scratch.project, "package.json");
  const manifest = JSON.parse(await readFile(manifestFile, "utf8")) as Record<string, unknown>;
  await writeFile(
    manifestFile,
    `${JSON.stringify({ ...manifest, overrides: tarballPins(packed) }, null, 2)}\n`,
  );
  await provideLocalPrebuild(root, scratch);
});

afterAll(async () => {
  const total = timings.reduce((sum, [, ms]) => sum + ms, 0);
  console.log(
    [
      `e2e steps (${(total / 1000).toFixed(1)} s):`,
      ...timings.map(([label, ms]) => `  ${label.padEnd(44)} ${(ms / 1000).toFixed(1).padStart(6)} s`),
    ].join("\n"),
  );
  await trap?.close();
  await fake?.close();
  for (const s of [scratch, pnpmScratch, globalScratch, leanScratch]) {
    if (!s) continue;
    if (process.env.KIWI_E2E_KEEP === "1") console.log(`scratch project kept: ${s.project}`);
    else await rm(s.base, { recursive: true, force: true });
  }
});

describe("packed tarballs, installed with npm outside the workspace", () => {
  it("packs every publishable package with exports, files, engines, README and LICENSE", () => {
    const expected = publishableDirs(root).length;
    expect(packed.length).toBe(expected);
    const problems: string[] = [];
    for (const { name, manifest, files } of packed) {
      const has = (path: string) => files.includes(path);
      const hasUnder = (prefix: string) => files.some((f) => f.startsWith(prefix));
      const main = manifest.exports?.["."] as Record<string, unknown> | undefined;
      // `import` names the ESM file, or picks one by platform (`{node, default}`: @kiwi/primitives).
      const imports = main?.import;
      const importFiles =
        typeof imports === "string"
          ? [imports]
          : imports && typeof imports === "object"
            ? Object.values(imports as Record<string, unknown>)
            : [];
      if (
        typeof main?.types !== "string" ||
        importFiles.length === 0 ||
        importFiles.some((f) => typeof f !== "string")
      )
        problems.push(`${name}: exports["."] needs "types" and "import"`);
      // ESM only, said plainly: no condition a CommonJS require could match (a platform choice lives
      // under "import", which a require never matches).
      for (const [sub, conditions] of Object.entries(manifest.exports ?? {}))
        if (conditions && typeof conditions === "object")
          for (const c of ["require", "default", "node"])
            if (c in conditions) problems.push(`${name}: exports["${sub}"] has a "${c}" condition`);
      if ("main" in manifest) problems.push(`${name}: has "main" (ESM only: exports alone)`);
      if (manifest.publishConfig?.registry !== SCOPE_REGISTRY)
        problems.push(`${name}: publishConfig.registry is not ${SCOPE_REGISTRY}`);
      for (const f of ["dist", "README.md", "LICENSE"])
        if (!manifest.files?.includes(f)) problems.push(`${name}: "files" lacks ${f}`);
      if (manifest.engines?.node !== ENGINES) problems.push(`${name}: engines.node is not "${ENGINES}"`);
      for (const f of ["README.md", "LICENSE", "package.json"])
        if (!has(f)) problems.push(`${name}: tarball lacks ${f}`);
      if (JSON.stringify(manifest).includes("workspace:"))
        problems.push(`${name}: packed package.json still has a workspace: range`);
      // Every path the manifest points at is in the tarball.
      const targets: string[] = [];
      const collect = (value: unknown) => {
        if (typeof value === "string") targets.push(value);
        else if (value && typeof value === "object") for (const v of Object.values(value)) collect(v);
      };
      collect(manifest.exports);
      collect(manifest.bin);
      for (const target of targets) {
        const path = target.replace(/^\.\//, "");
        const ok = path.includes("*") ? hasUnder(path.slice(0, path.indexOf("*"))) : has(path);
        if (!ok) problems.push(`${name}: ${target} is exported but not packed`);
      }
      const items = manifest.kiwi?.items;
      if (items && !hasUnder(`${items.replace(/^\.\//, "")}/`))
        problems.push(`${name}: kiwi.items "${items}" has no packed files`);
    }
    expect(problems).toEqual([]);
  });

  it("(a) uses @kiwi/kernel alone: search and execute the core greet tool", async () => {
    const closure = kiwiClosure(packed, "@kiwi/kernel");
    await timed("npm install @kiwi/kernel (+ its @kiwi deps)", () =>
      npmInstall(scratch, closure, "npm install of @kiwi/kernel and the @kiwi packages it depends on"),
    );
    const installed = await expectKiwiFromTarballs();
    expect(installed).toContain("@kiwi/kernel");
    expect(installed).not.toContain("@kiwi/cli");

    const probe = await timed("kernel probe (node)", () =>
      probeKernel("kernel probe with @kiwi/kernel alone"),
    );
    // The kernel and its bundled core came from the scratch project's node_modules, not the workspace.
    expect(probe.kernelEntry.startsWith(join(scratch.project, "node_modules/@kiwi/kernel/"))).toBe(true);
    const core = probe.spaces.find((s) => s.kind === "core");
    expect(core?.root?.startsWith(join(scratch.project, "node_modules/@kiwi/kernel/"))).toBe(true);
    expect(probe.greetSearch.success).toBe(true);
    expect(probe.greetSearch.results).toContainEqual(
      expect.objectContaining({ id: "greet", space: "core", status: "ok" }),
    );
    expect(probe.greetRun, JSON.stringify(probe.greetRun)).toMatchObject({
      success: true,
      result: { config: { greeting: "Hello, Ada!" } },
    });
    expect(probe.websocketSearch.results.map((h) => h.id)).not.toContain("websocket_sink");
  });

  it("(a′) is ESM only: a CommonJS require fails with ERR_PACKAGE_PATH_NOT_EXPORTED", async () => {
    const result = await runCommand({
      step: 'require("@kiwi/kernel") from CommonJS',
      command: process.execPath,
      args: [
        "-e",
        'try { require("@kiwi/kernel"); console.log("LOADED") } catch (e) { console.log(e.code) }',
      ],
      cwd: scratch.project,
      env: kiwiEnv(scratch),
    });
    expect(result.stdout.trim()).toBe("ERR_PACKAGE_PATH_NOT_EXPORTED");
    const dynamic = await runCommand({
      step: 'import("@kiwi/kernel") from CommonJS',
      command: process.execPath,
      args: ["-e", 'import("@kiwi/kernel").then((m) => console.log(typeof m.createKernel))'],
      cwd: scratch.project,
      env: kiwiEnv(scratch),
    });
    expect(dynamic.stdout.trim()).toBe("function");
  });

  it("(b) adds @kiwi/sink-websocket and the kernel discovers its sink from data", async () => {
    await timed("npm install @kiwi/sink-websocket", () =>
      npmInstall(scratch, kiwiClosure(packed, "@kiwi/sink-websocket"), "npm install of @kiwi/sink-websocket"),
    );
    await expectKiwiFromTarballs();
    const probe = await timed("kernel probe (node)", () =>
      probeKernel("kernel probe after adding @kiwi/sink-websocket"),
    );
    expect(probe.pluginProblems).toEqual([]);
    expect(probe.spaces.map((s) => s.name)).toContain("plugin:@kiwi/sink-websocket");
    expect(probe.websocketSearch.results).toContainEqual(
      expect.objectContaining({ id: "websocket_sink", space: "plugin:@kiwi/sink-websocket", status: "ok" }),
    );
    expect(probe.websocketLoad).toMatchObject({
      success: true,
      space: "plugin:@kiwi/sink-websocket",
      tool_type: "sink",
      module: "@kiwi/sink-websocket",
    });
  });

  it("(c) the README's MCP client config, started elsewhere, answers the official MCP client with the four meta-tools", async () => {
    await timed("npm install of every tarball", () =>
      npmInstall(scratch, packed, "npm install of every packed tarball at once"),
    );
    const installed = await expectKiwiFromTarballs();
    expect(installed).toContain("@kiwi/cli");

    const env = Object.fromEntries(
      Object.entries(kiwiEnv(scratch)).filter((e): e is [string, string] => e[1] !== undefined),
    );
    // Exactly what the README tells a person to paste, with their project's path, started the way a
    // client starts it: in a directory of its own (here the home folder), not the project.
    const server = readmeMcpServer(scratch.project);
    const transport = new StdioClientTransport({
      command: server.command,
      args: server.args,
      cwd: scratch.home,
      env,
      stderr: "pipe",
    });
    let serverStderr = "";
    transport.stderr?.on("data", (chunk: Buffer) => {
      serverStderr += chunk.toString("utf8");
    });
    const client = new Client({ name: "kiwi-e2e", version: "0.0.0" });
    const started = performance.now();
    try {
      await client.connect(transport, { timeout: 60_000 });
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(["execute", "help", "load", "search"]);
      const call = await client.callTool({
        name: "execute",
        arguments: {
          item_type: "tool",
          action: "run",
          item_id: "greet",
          parameters: { who: "MCP", punctuation: "." },
        },
      });
      const text = (call.content as { type: string; text?: string }[])[0]?.text ?? "";
      expect(call.isError ?? false, text).toBe(false);
      expect(JSON.parse(text)).toMatchObject({
        success: true,
        result: { config: { greeting: "Hello, MCP." } },
      });
      expect(call.structuredContent).toEqual(JSON.parse(text));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(
        `${server.command} ${server.args.join(" ")} over MCP: ${message}\n--- server stderr ---\n${serverStderr || "(empty)"}`,
        { cause: error },
      );
    } finally {
      await client.close();
      timings.push(["README MCP config + MCP client", performance.now() - started]);
    }
  });

  it("(d) `npx kiwi demo` runs to the end", async () => {
    const { stdout } = await timed("npx kiwi demo", () =>
      runCommand({
        step: "npx kiwi demo",
        command: "npx",
        args: ["--no", "kiwi", "demo"],
        cwd: scratch.project,
        env: kiwiEnv(scratch),
        timeoutMs: 120_000,
      }),
    );
    // The demo's wording is being reworked; what stays is that it finishes ("Done…") and, when it runs a
    // managed thread, prints the thread id (<directive>_<yyyymmdd>_<hhmmss>).
    const finished = /^Done\b/m.test(stdout) || /\b[a-z][a-z0-9_]*_\d{8}_\d{6}\b/.test(stdout);
    expect(finished, `kiwi demo printed neither "Done" nor a thread id:\n${stdout}`).toBe(true);
  });

  it("(d′) `kiwi init`, then `kiwi thread run hello_kiwi` completes on the scripted fake LLM", async () => {
    const env = kiwiEnv(scratch);
    const kiwi = join(scratch.project, "node_modules/.bin/kiwi");
    await timed("kiwi init (npm project)", () =>
      runCommand({
        step: "kiwi init in the npm project",
        command: kiwi,
        args: ["init"],
        cwd: scratch.project,
        env,
      }),
    );
    const step = "kiwi thread run hello_kiwi in the npm project";
    const run = await threadRun(step, kiwi, scratch.project, env);
    expectCompleted(run, step);
    // The project installed @kiwi/provider-anthropic itself: no fallback to kiwi's own.
    expect(run.stderr).not.toContain("installed with kiwi");

    // The person as a principal (issue 14): `kiwi run --as` a directive kiwi init put there runs what it
    // grants; from a script (stdin is not a terminal) a denied capability is never asked about.
    await mkdir(join(scratch.project, "docs"), { recursive: true });
    await writeFile(join(scratch.project, "docs/hello.md"), "hello from docs\n");
    await writeFile(join(scratch.project, "private.md"), "private\n");
    const runAs = (path: string, okCodes: number[]) =>
      runCommand({
        step: `kiwi run tool read_file ${path} --as demo_tour`,
        command: kiwi,
        args: ["run", "tool", "read_file", "--params", JSON.stringify({ path }), "--as", "demo_tour"],
        cwd: scratch.project,
        env,
        okCodes,
      });
    expect(JSON.parse((await runAs("docs/hello.md", [0])).stdout)).toMatchObject({
      success: true,
      result: { content: "hello from docs\n" },
    });
    const denied = await runAs("private.md", [1]);
    expect(JSON.parse(denied.stdout)).toMatchObject({ error: { code: "CAPABILITY_DENIED" } });
    expect(denied.stderr).toContain("is not granted by examples/demo_tour");
    expect(denied.stderr).not.toContain("[y/N]");
    const trusted = await runCommand({
      step: "kiwi trust --list --json",
      command: kiwi,
      args: ["trust", "--list", "--json"],
      cwd: scratch.project,
      env,
    });
    expect(JSON.parse(trusted.stdout)).toMatchObject({
      success: true,
      own_key: expect.stringMatching(/^ed25519:/),
    });
  });
});

describe("packed tarballs, installed with pnpm (strict node_modules) outside the workspace", () => {
  it("(e) installs @kiwi/cli and a provider with every @kiwi name pinned to its tarball, then `kiwi init`, a tool and a thread", async () => {
    const tarballOf = (name: string) => `file:${packed.find((p) => p.name === name)!.tarball}`;
    pnpmScratch = await createScratchProject({
      npmrc: scopeLine(trap),
      manifest: {
        dependencies: {
          "@kiwi/cli": tarballOf("@kiwi/cli"),
          "@kiwi/provider-anthropic": tarballOf("@kiwi/provider-anthropic"),
        },
        // A tarball's own @kiwi/* dependencies are ranges; pnpm would ask the scope's registry for them.
        // Pinning every @kiwi name to its tarball is what keeps an install of packed tarballs local. No
        // onlyBuiltDependencies: pnpm 10 skips better-sqlite3's build, as it does for a user.
        pnpm: { overrides: tarballPins(packed) },
      },
    });
    await provideLocalPrebuild(root, pnpmScratch);
    const pnpm = pnpmCommand(root);
    await timed("pnpm install (cli + provider-anthropic)", () => pnpmInstall(pnpmScratch!, pnpm));
    expect(trap.take()).toEqual([]);
    const project = pnpmScratch.project;
    // Strict: the project's node_modules holds its two direct dependencies, not @kiwi/sinks or the kernel.
    expect(readdirSync(join(project, "node_modules/@kiwi")).sort()).toEqual(["cli", "provider-anthropic"]);
    const env = kiwiEnv(pnpmScratch);
    const kiwi = join(project, "node_modules/.bin/kiwi");
    await timed("kiwi init (pnpm project)", () =>
      runCommand({ step: "kiwi init in the pnpm project", command: kiwi, args: ["init"], cwd: project, env }),
    );
    const { stdout } = await runCommand({
      step: "kiwi run tool greet in the pnpm project",
      command: kiwi,
      args: ["run", "tool", "greet", "--params", JSON.stringify({ who: "pnpm" })],
      cwd: project,
      env,
    });
    expect(stdout).toContain("Hello, pnpm!");

    // A thread: the project's copy of file_sink (from kiwi init) names @kiwi/sinks, which only the
    // kernel's own dependencies hold under pnpm.
    const step = "kiwi thread run hello_kiwi in the pnpm project";
    const first = await threadRun(step, kiwi, project, env);
    if (nodeSqliteBuiltIn) {
      // node:sqlite: the build pnpm skipped is not needed at all.
      expectCompleted(first, step);
      return;
    }
    // Node 20 needs better-sqlite3's binding, which pnpm did not build: the error says what to do, and
    // doing it works.
    expect(first.code, first.stdout).toBe(1);
    const said = `${first.stdout}\n${first.stderr}`;
    expect(said).toContain("REGISTRY_UNAVAILABLE");
    expect(said).toContain("pnpm approve-builds");
    expect(said).toContain('"pnpm": {"onlyBuiltDependencies": ["better-sqlite3"]}');
    expect(said).not.toMatch(/damaged/);
    const manifestFile = join(project, "package.json");
    const manifest = JSON.parse(await readFile(manifestFile, "utf8")) as { pnpm: Record<string, unknown> };
    manifest.pnpm.onlyBuiltDependencies = ["better-sqlite3"];
    await writeFile(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    await timed("pnpm rebuild better-sqlite3 (as the error says)", () =>
      runCommand({
        step: "pnpm rebuild better-sqlite3 after adding onlyBuiltDependencies",
        command: pnpm.command,
        args: [...pnpm.args, "rebuild", "better-sqlite3"],
        cwd: project,
        env: installEnvFor(pnpmScratch!),
        timeoutMs: 600_000,
      }),
    );
    expect(trap.take()).toEqual([]);
    expectCompleted(await threadRun(`${step}, after the rebuild`, kiwi, project, env), step);
  });
});

describe("a global kiwi (npm install -g) from a registry serving the packed tarballs", () => {
  it("(f) `kiwi init` and `kiwi thread run` in a project with no node_modules, on the providers installed with kiwi", async () => {
    globalScratch = await createScratchProject();
    await provideLocalPrebuild(root, globalScratch);
    const prefix = join(globalScratch.base, "global");
    trap.serve(packed);
    await timed("npm install -g @kiwi/cli (from the serving registry)", () =>
      npmInstallGlobal(globalScratch!, { prefix, registry: trap.url, names: ["@kiwi/cli"] }),
    );
    // npm asked the loopback registry for every @kiwi package @kiwi/cli needs, and for nothing it could
    // not answer from the packed tarballs (their integrity is in the metadata it served).
    const closure = kiwiClosure(packed, "@kiwi/cli").map((p) => p.name);
    const served = trap.takeServed();
    expect([...new Set(served.filter((s) => !s.endsWith(" (tarball)")))].sort()).toEqual([...closure].sort());
    expect(trap.take().length).toBe(served.length);
    const cliDir = join(prefix, "lib/node_modules/@kiwi/cli");
    const installed = JSON.parse(await readFile(join(cliDir, "package.json"), "utf8")) as { version: string };
    expect(installed.version).toBe(packed.find((p) => p.name === "@kiwi/cli")!.manifest.version);

    // A folder that is not a JavaScript project at all.
    const project = join(globalScratch.base, "plain-project");
    await mkdir(project);
    const env = kiwiEnv(globalScratch);
    const kiwi = join(prefix, "bin/kiwi");
    await timed("kiwi init (global kiwi)", () =>
      runCommand({
        step: "kiwi init with the global kiwi",
        command: kiwi,
        args: ["init"],
        cwd: project,
        env,
      }),
    );
    expect(existsSync(join(project, "node_modules"))).toBe(false);
    const step = "kiwi thread run hello_kiwi with the global kiwi";
    const run = await threadRun(step, kiwi, project, env);
    expectCompleted(run, step);
    expect(run.stderr).toContain(
      `the project has no provider plugin: using anthropic from @kiwi/provider-anthropic installed with kiwi (${cliDir})`,
    );
  });
});

describe("without optional dependencies", () => {
  // better-sqlite3 is an optional dependency of @kiwi/threads: Node 22.13+ and 24 use node:sqlite instead.
  it.skipIf(!nodeSqliteBuiltIn)(
    "(g) `npm install --omit=optional` leaves better-sqlite3 out, and a thread runs on node:sqlite",
    async () => {
      leanScratch = await createScratchProject({
        npmrc: scopeLine(trap),
        manifest: { overrides: tarballPins(packed) },
      });
      await timed("npm install --omit=optional @kiwi/cli", () =>
        npmInstall(
          leanScratch!,
          kiwiClosure(packed, "@kiwi/cli"),
          "npm install --omit=optional of @kiwi/cli",
          ["--omit=optional"],
        ),
      );
      expect(trap.take()).toEqual([]);
      const project = leanScratch.project;
      expect(existsSync(join(project, "node_modules/better-sqlite3"))).toBe(false);
      const env = kiwiEnv(leanScratch);
      const kiwi = join(project, "node_modules/.bin/kiwi");
      await runCommand({
        step: "kiwi init without better-sqlite3",
        command: kiwi,
        args: ["init"],
        cwd: project,
        env,
      });
      const step = "kiwi thread run hello_kiwi without better-sqlite3";
      expectCompleted(await threadRun(step, kiwi, project, env), step);
    },
  );
});
