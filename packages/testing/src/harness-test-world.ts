// Internal to testHarness: a project with a provider plugin (and the harness package) installed, the
// scripted fake LLM on loopback, and a thread runtime of the caller's wiring all three together.
import { readFileSync } from "node:fs";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createFakeLlmServer, type FakeLlmServer, type FakeScript } from "@kiwi/fake-llm";
import type { ProviderV1 } from "@kiwi/spec";
import { type CreateSigningKernel, installSigned } from "./install-signed";
import { type TempProject, tempProject, writeAppManifest } from "./temp-project";

/** The parts of a kernel the suite uses (`Kernel` from `@kiwi/kernel` fits). */
export interface HarnessTestKernel {
  execute(input: {
    item_type: "directive";
    action: "create";
    item_id: string;
    parameters: { content: string };
  }): Promise<{ success: boolean; error?: { code: string; message: string } }>;
  instantiatePlugin(options: { itemId: string; kind: unknown }): Promise<unknown>;
}

/** A thread row as the suite reads it. */
export interface HarnessTestThreadRow {
  readonly thread_id: string;
  readonly status: string;
  readonly reason: string | null;
  readonly permission_context?: unknown;
}

/** The parts of a thread runtime the suite uses (`ThreadRuntime` from `@kiwi/kiwi-harness` fits). */
export interface HarnessTestRuntime {
  readonly kernel: HarnessTestKernel;
  readonly manager: {
    wait(
      threadId: string,
      options?: { statuses?: readonly string[]; timeoutMs?: number },
    ): Promise<HarnessTestThreadRow>;
    pause(threadId: string): unknown;
    resume(threadId: string, options?: { message?: string }): unknown;
    inject(threadId: string, message: string): unknown;
    terminate(threadId: string, options?: { immediate?: boolean }): unknown;
    kill(threadId: string): unknown;
    transcriptPath(threadId: string): string;
  };
  spawn(options: {
    directive: string;
    message?: string;
    harness?: string;
  }): Promise<{ readonly thread_id: string }>;
  close(): Promise<void>;
}

/** What the suite passes the caller's `createThreadRuntime` (`ThreadRuntimeOptions` fits it). */
export interface HarnessTestRuntimeOptions {
  readonly projectRoot: string;
  readonly userSpace: string;
  readonly env: Record<string, string>;
  readonly indexTtlMs: number;
  readonly models: () => { provider: ProviderV1; model: string };
  /** The suite writes its directive as the person running the threads (no token: item writes need it). */
  readonly personAtTerminal: true;
}

export type CreateHarnessTestRuntime = (options: HarnessTestRuntimeOptions) => Promise<HarnessTestRuntime>;

/** The provider plugin the threads stream through (its `env` names point it at the fake LLM). */
export interface HarnessTestProvider {
  /** The provider package's folder (e.g. `@kiwi/provider-anthropic`'s), installed in every test project. */
  readonly packageDir: string | URL;
  /** Its instance: `createAnthropicProvider` or `createOpenAIProvider`. */
  readonly create: () => ProviderV1;
  /** The model id the threads ask for. */
  readonly model: string;
}

export interface HarnessWorldOptions {
  readonly createThreadRuntime: CreateHarnessTestRuntime;
  readonly provider: HarnessTestProvider;
  readonly packageDir?: string | URL;
  readonly signWith?: CreateSigningKernel;
}

export interface HarnessWorld {
  readonly runtime: HarnessTestRuntime;
  readonly fake: FakeLlmServer;
  readonly project: TempProject;
  close(): Promise<void>;
}

const asPath = (dir: string | URL) => (typeof dir === "string" ? dir : fileURLToPath(dir));
const nameOf = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name: string }).name;

/** The fake server's base URL for the provider's wire format. */
function baseUrlFor(provider: ProviderV1, fake: FakeLlmServer): string {
  if (provider.id === "anthropic") return fake.anthropicBaseUrl;
  if (provider.id === "openai") return fake.openaiBaseUrl;
  throw new Error(`testHarness: the fake LLM speaks anthropic and openai, not ${provider.id}`);
}

async function installProject(options: HarnessWorldOptions): Promise<TempProject> {
  const providerDir = asPath(options.provider.packageDir);
  const packageDir = options.packageDir === undefined ? undefined : asPath(options.packageDir);
  if (!packageDir || !options.signWith) {
    const packages: Record<string, string> = { [nameOf(providerDir)]: providerDir };
    if (packageDir) packages[nameOf(packageDir)] = packageDir;
    return tempProject({ prefix: "kiwi-harness-test", packages });
  }
  // The harness package's items are signed by a throwaway publisher the project trusts; the provider is
  // linked beside it as it is (its items ship signed).
  const project = await installSigned({ packageDir, createKernel: options.signWith });
  const manifest = JSON.parse(await readFile(join(project.projectRoot, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  const name = nameOf(providerDir);
  const target = join(project.projectRoot, "node_modules", ...name.split("/"));
  await mkdir(dirname(target), { recursive: true });
  await symlink(providerDir, target, "dir");
  await writeAppManifest(project.projectRoot, { ...manifest.dependencies, [name]: "*" });
  return project;
}

/** Opens a world for one test: removed (runtime closed, server stopped, folder deleted) by `close`. */
export async function harnessWorld(options: HarnessWorldOptions, script: FakeScript): Promise<HarnessWorld> {
  const project = await installProject(options);
  await mkdir(join(project.projectRoot, "docs"), { recursive: true });
  await writeFile(join(project.projectRoot, "docs/readme.md"), "# docs\n");
  await mkdir(join(project.projectRoot, "src"), { recursive: true });
  await writeFile(join(project.projectRoot, "src/secret.txt"), "top secret\n");
  const fake = await createFakeLlmServer({ script });
  const provider = options.provider.create();
  const env: Record<string, string> = { PATH: process.env.PATH ?? "" };
  if (provider.env?.apiKey) env[provider.env.apiKey] = "test-key";
  if (provider.env?.baseUrl) env[provider.env.baseUrl] = baseUrlFor(provider, fake);
  let runtime: HarnessTestRuntime;
  try {
    runtime = await options.createThreadRuntime({
      projectRoot: project.projectRoot,
      userSpace: project.userSpace,
      env,
      indexTtlMs: 0,
      models: () => ({ provider, model: options.provider.model }),
      personAtTerminal: true,
    });
  } catch (error) {
    await fake.close();
    await project.remove();
    throw error;
  }
  return {
    runtime,
    fake,
    project,
    async close() {
      await runtime.close();
      await fake.close();
      await project.remove();
    },
  };
}

/** A directive for the suite: greet, read_file under docs/** only, the given cost and harness. */
export function suiteDirective(options: { name: string; cost: string; harness?: string }): string {
  return `# ${options.name}

A directive of the testHarness conformance suite.

\`\`\`xml
<directive name="${options.name}" version="1.0.0">
  <metadata>
    <description>Greets people and reads docs, for the harness conformance suite</description>
    <category></category>
    <model tier="fast">quick</model>
    ${options.harness ? `<harness>${options.harness}</harness>` : ""}
    ${options.cost}
    <permissions>
      <execute resource="kiwi-mcp" action="*"/>
      <execute resource="tool" id="greet"/>
      <execute resource="tool" id="read_file"/>
      <read resource="filesystem" path="docs/**"/>
    </permissions>
  </metadata>
  <process>
    <step name="work"><description>Do what was asked</description><action>Use the tools.</action></step>
  </process>
</directive>
\`\`\`
`;
}

/** The events of a transcript file (complete lines only). */
export function transcriptEvents(file: string): Record<string, unknown>[] {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}
