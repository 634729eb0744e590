// Test support (not exported): a real project with the provider plugins installed (symlinked), signed
// directives, the scripted fake LLM on loopback, and a KiwiHarnessRunner wired to all of it.
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createFakeLlmServer, type FakeLlmServer, type FakeScript } from "@kiwi/fake-llm";
import { createKernel, type Kernel } from "@kiwi/kernel";
import { costOf as anthropicCost, createAnthropicProvider } from "@kiwi/provider-anthropic";
import { createOpenAIProvider } from "@kiwi/provider-openai";
import type { HarnessEvent } from "../harness-events";
import { type KiwiHarnessOptions, KiwiHarnessRunner } from "../kiwi-harness-runner";

const PLUGINS = fileURLToPath(new URL("../../../../plugins/", import.meta.url));

export const DEMO_PERMISSIONS = `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="greet"/>
      <execute resource="tool" id="greet_*"/>
      <execute resource="tool" id="read_file"/>
      <read resource="filesystem" path="docs/**"/>`;

export function directiveFile(options: { name: string; permissions?: string; cost?: string }) {
  return `# ${options.name}

A thread test directive.

\`\`\`xml
<directive name="${options.name}" version="1.0.0">
  <metadata>
    <description>Greet people and read docs for thread tests</description>
    <category></category>
    <model tier="fast">quick</model>
    ${options.cost ?? "<cost><max_turns>12</max_turns><on_exceeded>stop</on_exceeded></cost>"}
    <permissions>${options.permissions ?? DEMO_PERMISSIONS}</permissions>
  </metadata>
  <inputs><input name="name" type="string" required="false" default="Ada">Who</input></inputs>
  <process>
    <step name="greet"><description>Greet</description><action>Run greet.</action></step>
  </process>
</directive>
\`\`\`
`;
}

/** A temp project with docs/, a secret file, and the provider plugins installed (symlinked). */
export async function createTestProject(): Promise<string> {
  const projectRoot = await realpath(await mkdtemp(join(tmpdir(), "kiwi-thread-")));
  await mkdir(join(projectRoot, "node_modules/@kiwi"), { recursive: true });
  await mkdir(join(projectRoot, "docs"), { recursive: true });
  await writeFile(join(projectRoot, "docs/readme.md"), "# docs\n");
  await mkdir(join(projectRoot, "src"), { recursive: true });
  await writeFile(join(projectRoot, "src/secret.txt"), "top secret\n");
  for (const p of ["provider-anthropic", "provider-openai"]) {
    await symlink(join(PLUGINS, p), join(projectRoot, `node_modules/@kiwi/${p}`), "dir");
  }
  await writeFile(
    join(projectRoot, "package.json"),
    JSON.stringify({
      name: "app",
      dependencies: { "@kiwi/provider-anthropic": "*", "@kiwi/provider-openai": "*" },
    }),
  );
  return projectRoot;
}

/** Kernel env pointing both providers at the fake server. */
export function fakeEnv(fake: FakeLlmServer): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    ANTHROPIC_API_KEY: "test-key",
    ANTHROPIC_BASE_URL: fake.anthropicBaseUrl,
    OPENAI_API_KEY: "test-key",
    OPENAI_BASE_URL: fake.openaiBaseUrl,
  };
}

export interface ThreadWorld {
  kernel: Kernel;
  fake: FakeLlmServer;
  projectRoot: string;
  events: HarnessEvent[];
  runner(options?: Partial<KiwiHarnessOptions>): KiwiHarnessRunner;
  close(): Promise<void>;
}

export async function threadWorld(options: {
  script: FakeScript;
  provider?: "anthropic" | "openai";
  directive?: string;
  /** Library index TTL (tests: 0, so every lookup sees new files; benchmarks: the default). */
  indexTtlMs?: number;
}): Promise<ThreadWorld> {
  const projectRoot = await createTestProject();
  const fake = await createFakeLlmServer({ script: options.script });
  const env = fakeEnv(fake);
  const kernel = await createKernel({
    personAtTerminal: true,
    projectRoot,
    userSpace: join(projectRoot, ".user"),
    env,
    indexTtlMs: options.indexTtlMs ?? 0,
  });
  const created = await kernel.execute({
    item_type: "directive",
    action: "create",
    item_id: "thread_test",
    parameters: { content: options.directive ?? directiveFile({ name: "thread_test" }) },
  });
  if (!created.success) throw new Error(created.error.message);
  const events: HarnessEvent[] = [];
  const openai = options.provider === "openai";
  return {
    kernel,
    fake,
    projectRoot,
    events,
    runner: (extra = {}) =>
      new KiwiHarnessRunner({
        kernel,
        provider: openai ? createOpenAIProvider() : createAnthropicProvider(),
        model: openai ? "gpt-4o-mini" : "claude-haiku-4-5",
        directive: "thread_test",
        threadId: "thread_test_1",
        price: (model, usage) => {
          const c = anthropicCost({ model, usage });
          return c.priced ? { usd: c.usd } : { unpriced: true };
        },
        onEvent: (e) => events.push(e),
        ...extra,
      }),
    close: async () => {
      await fake.close();
      await rm(projectRoot, { recursive: true, force: true });
    },
  };
}

/** A meta-tool call turn for the fake script. */
export const call = (name: string, args: Record<string, unknown>, id?: string) => ({
  tool_calls: [{ name, arguments: args, ...(id ? { id } : {}) }],
});
/** A model turn calling `thread_control` with `parameters` (wait_children, wait, pause, …). */
export const threadControl = (parameters: Record<string, unknown>) =>
  call("execute", { item_type: "tool", action: "run", item_id: "thread_control", parameters });

export const greet = (who: string) =>
  call("execute", { item_type: "tool", action: "run", item_id: "greet", parameters: { who } });

/** The first user message of a request the fake LLM recorded (what its routes match on). */
export function firstUserText(body: unknown): string {
  const first = (body as { messages?: { role: string; content: unknown }[] }).messages?.find(
    (m) => m.role === "user",
  );
  return JSON.stringify(first?.content ?? "");
}

/** Creates project directives (id → file content), signed with the project's test user key. */
export async function createDirectives(
  projectRoot: string,
  directives: Record<string, string>,
): Promise<void> {
  const kernel = await createKernel({
    personAtTerminal: true,
    projectRoot,
    userSpace: join(projectRoot, ".user"),
    env: {},
    indexTtlMs: 0,
  });
  for (const [item_id, content] of Object.entries(directives)) {
    const done = await kernel.execute({
      item_type: "directive",
      action: "create",
      item_id,
      parameters: { content },
    });
    if (!done.success) throw new Error(done.error.message);
  }
}
