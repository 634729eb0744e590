// Test support (not exported): a real project, the scripted fake LLM on loopback and a ThreadRuntime
// (kernel + threads primitive + ThreadManager with a real SQLite registry) wired to both.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { createFakeLlmServer, type FakeLlmServer, type FakeScript } from "@kiwi/fake-llm";
import { costOf as anthropicCost, createAnthropicProvider } from "@kiwi/provider-anthropic";
import type { HarnessEvent } from "../harness-events";
import { createThreadRuntime, type ThreadRuntime, type ThreadRuntimeOptions } from "../thread-runtime";
import { createTestProject, fakeEnv } from "./thread-world";

export interface RuntimeWorld {
  runtime: ThreadRuntime;
  fake: FakeLlmServer;
  projectRoot: string;
  /** Harness events by thread id. */
  events: Map<string, HarnessEvent[]>;
  /** Creates (signs with the user key) a project directive. */
  directive(id: string, content: string): Promise<void>;
  close(): Promise<void>;
}

export async function runtimeWorld(options: {
  script: FakeScript;
  env?: Record<string, string>;
  projectRoot?: string;
  /** Runtime options over the world's own (a model resolver, a journal, `allowUnpriced`…). */
  runtime?: Partial<ThreadRuntimeOptions>;
}): Promise<RuntimeWorld> {
  const projectRoot = options.projectRoot ?? (await createTestProject());
  const fake = await createFakeLlmServer({ script: options.script });
  const events = new Map<string, HarnessEvent[]>();
  const runtime = await createThreadRuntime({
    // The test is the person at their terminal: it writes directives without a token; the threads'
    // own calls carry their tokens (item.sign decides for them).
    personAtTerminal: true,
    projectRoot,
    userSpace: join(projectRoot, ".user"),
    env: { ...fakeEnv(fake), ...options.env },
    indexTtlMs: 0,
    models: () => ({
      provider: createAnthropicProvider(),
      model: "claude-haiku-4-5",
      price: (model, usage) => {
        const c = anthropicCost({ model, usage });
        return c.priced ? { usd: c.usd } : { unpriced: true };
      },
    }),
    onEvent: (id, e) => {
      if (!events.has(id)) events.set(id, []);
      events.get(id)!.push(e);
    },
    ...options.runtime,
  });
  return {
    runtime,
    fake,
    projectRoot,
    events,
    async directive(id, content) {
      const created = await runtime.kernel.execute({
        item_type: "directive",
        action: "create",
        item_id: id,
        parameters: { content },
      });
      if (!created.success) throw new Error(created.error.message);
    },
    async close() {
      await runtime.close();
      await fake.close();
      if (!options.projectRoot) await rm(projectRoot, { recursive: true, force: true });
    },
  };
}

/** A directive for runtime tests: name, permissions, cost and an optional orchestration block. */
export function threadDirectiveFile(options: {
  name: string;
  permissions?: string;
  cost?: string;
  category?: string;
}): string {
  return `# ${options.name}

A runtime test directive.

\`\`\`xml
<directive name="${options.name}" version="1.0.0">
  <metadata>
    <description>Runtime test directive ${options.name}</description>
    <category>${options.category ?? ""}</category>
    <model tier="fast">quick</model>
    ${options.cost ?? "<cost><max_turns>12</max_turns><on_exceeded>stop</on_exceeded></cost>"}
    <permissions>${
      options.permissions ??
      `
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="greet"/>
      <execute resource="tool" id="greet_*"/>`
    }</permissions>
  </metadata>
  <process>
    <step name="work"><description>Work</description><action>Do the work.</action></step>
  </process>
</directive>
\`\`\`
`;
}
