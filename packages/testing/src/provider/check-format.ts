// The formatRequest cases of the provider suite, and the check of the thread tool's YAML it feeds.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ProviderV1 } from "@kiwi/spec";
import { expect } from "vitest";
import { parse } from "yaml";
import { CARRIED, conformanceRequest, deepFreeze } from "./conformance-request";

/** Pure, JSON-safe, and nothing of the conversation is lost on the way to the wire format. */
export function checkFormatRequest(provider: ProviderV1, model: string): Record<string, unknown> {
  const request = deepFreeze(conformanceRequest(model));
  const copy = structuredClone(request);
  // A frozen input makes any mutation throw (ES modules are strict).
  const params = provider.formatRequest(request);
  expect(request).toEqual(copy);
  expect(typeof params === "object" && params !== null && !Array.isArray(params), "a plain object").toBe(
    true,
  );
  expect(JSON.parse(JSON.stringify(params)), "JSON-safe (what the kernel templates into the body)").toEqual(
    params,
  );
  expect(provider.formatRequest(request), "the same request twice gives the same parameters").toEqual(params);
  const wire = JSON.stringify(params);
  expect(wire).toContain(JSON.stringify(model));
  for (const piece of CARRIED) expect(wire, `the formatted request lost "${piece}"`).toContain(piece);
  return params;
}

interface ToolYaml {
  tool_id: string;
  executor_id?: string;
  parameters?: { name: string; required?: boolean }[];
  config?: { body?: Record<string, unknown> };
}

function findTool(dir: string, toolId: string): ToolYaml | undefined {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findTool(path, toolId);
      if (found) return found;
    } else if (entry.name === `${toolId}.yaml`) return parse(readFileSync(path, "utf8")) as ToolYaml;
  }
  return undefined;
}

/**
 * The package's own data agrees with its code: `threadTool` is a tool of `.ai/tools/`, it takes
 * `thread_id`, and `formatRequest` fills exactly the other parameters of it and of the endpoint tool it
 * runs, each reaching the request body through a whole-value placeholder (`tools: "{tools}"`).
 */
export function checkThreadTool(
  provider: ProviderV1,
  packageDir: URL,
  params: Record<string, unknown>,
): void {
  const tools = join(fileURLToPath(packageDir), ".ai", "tools");
  const thread = findTool(tools, provider.threadTool);
  expect(thread, `.ai/tools/**/${provider.threadTool}.yaml in ${tools}`).toBeDefined();
  expect(thread?.parameters?.find((p) => p.name === "thread_id")).toMatchObject({ required: true });
  const endpoint = thread?.executor_id ? findTool(tools, thread.executor_id) : undefined;
  expect(endpoint, `the endpoint tool ${thread?.executor_id} of ${provider.threadTool}`).toBeDefined();
  const accepted = [...(thread?.parameters ?? []), ...(endpoint?.parameters ?? [])].map((p) => p.name);
  expect([...Object.keys(params), "thread_id"].sort()).toEqual([...accepted].sort());
  for (const name of Object.keys(params))
    expect(endpoint?.config?.body?.[name], `body.${name}`).toBe(`{${name}}`);
}
