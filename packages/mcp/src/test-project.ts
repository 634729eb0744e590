// Test helper (not exported): a temporary project and user space with signed tools, made by the kernel.
import { join } from "node:path";
import { createKernel } from "@kiwi/kernel";
import { tempProject } from "@kiwi/testing";

export const TOOL_CATEGORY = "mcp_test";

const hello = `tool_id: hello
tool_type: utility
version: "1.0.0"
description: Greets someone by name through the echo primitive
executor_id: echo
requires: none
parameters:
  - name: who
    type: string
    required: true
    description: Who to greet.
config:
  greeting: "hello {who}"
  style: plain
  origin: hello
`;

const helloLoud = `tool_id: hello_loud
tool_type: utility
version: "1.0.0"
description: A louder greeting that chains to hello
executor_id: hello
requires: none
parameters:
  - name: volume
    type: integer
    default: 11
config:
  style: loud
  volume: "{volume}"
`;

const helloLouder = `tool_id: hello_louder
tool_type: utility
version: "1.0.0"
description: The loudest greeting, three tools deep
executor_id: hello_loud
requires: none
config:
  style: louder
`;

const noop = `tool_id: noop
tool_type: utility
version: "1.0.0"
description: Does nothing, takes nothing, returns at once
executor_id: echo
requires: none
`;

const tampered = `tool_id: tampered
tool_type: utility
version: "1.0.0"
description: Edited after signing by the test
executor_id: echo
requires: none
`;

export const TOOLS: Record<string, string> = {
  hello,
  hello_loud: helloLoud,
  hello_louder: helloLouder,
  noop,
  tampered,
};

export interface TestProject {
  projectRoot: string;
  userSpace: string;
  /** Absolute path of a tool's YAML in the project space. */
  toolFile(id: string): string;
  cleanup(): Promise<void>;
}

/** Creates a project and user space, and signs `tools` (default: all of TOOLS) into the project. */
export async function createTestProject(tools: Record<string, string> = TOOLS): Promise<TestProject> {
  const project = await tempProject({ prefix: "kiwi-mcp" });
  const { projectRoot } = project;
  const userSpace = join(project.userSpace, ".ai");
  // The person sets the project up at their terminal; the servers under test never are the person.
  const kernel = await createKernel({ projectRoot, userSpace, pluginSpaces: false, personAtTerminal: true });
  for (const [id, content] of Object.entries(tools)) {
    const result = await kernel.execute({
      item_type: "tool",
      action: "create",
      item_id: id,
      parameters: { content, category: TOOL_CATEGORY },
    });
    if (!result.success)
      throw new Error(`fixture: creating tool ${id} failed: ${JSON.stringify(result.error)}`);
  }
  return {
    projectRoot,
    userSpace,
    toolFile: (id) => join(projectRoot, ".ai", "tools", TOOL_CATEGORY, `${id}.yaml`),
    cleanup: project.remove,
  };
}

/** What a meta-tool call came back with, read from an MCP tool result. */
export interface CallOutcome {
  isError: boolean;
  /** The kernel's JSON answer, parsed from the text content. */
  body: { success: boolean; error?: { code: string; message: string; [key: string]: unknown } } & Record<
    string,
    unknown
  >;
  structured: unknown;
  text: string;
}

export function readOutcome(result: unknown): CallOutcome {
  const r = result as {
    isError?: boolean;
    content: { type: string; text: string }[];
    structuredContent?: unknown;
  };
  const first = r.content[0];
  if (first?.type !== "text") throw new Error(`expected text content, got ${JSON.stringify(r.content)}`);
  return {
    isError: r.isError === true,
    body: JSON.parse(first.text),
    structured: r.structuredContent,
    text: first.text,
  };
}
