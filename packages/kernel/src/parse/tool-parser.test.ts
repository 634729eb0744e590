import { KiwiError } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { validationIssues as issuesOf } from "../test-support/errors";
import { parseTool } from "./tool-parser";

const opts = { file: ".ai/tools/http/http_get.yaml", itemId: "http_get", category: "http", maxDepth: 64 };

const TOOL = `tool_id: http_get
tool_type: http
version: "1.2.0"
description: Fetch a URL with GET
category: http
executor_id: http_client
env: [API_TOKEN]
config:
  method: GET
  url: "{url}"
  headers:
    Authorization: "Bearer \${API_TOKEN}"
  stream: { enabled: false }
parameters:
  - name: url
    type: string
    required: true
    description: The URL to fetch
  - name: format
    type: string
    enum: [json, text]
    default: json
requires: [net.http]
retry:
  max_attempts: 3
  backoff_ms: [100, 400]
  retryable_errors: [TIMEOUT]
dependencies: [http_client]
actions:
  head:
    description: Only the headers
    requires: [net.http]
    parameters:
      - { name: url, type: string, required: true }
input_schema:
  type: object
`;

const minimal = (extra: string) =>
  `tool_id: http_get\ntool_type: http\nversion: "1.0.0"\ndescription: x\nexecutor_id: http_client\n${extra}`;

describe("parseTool", () => {
  it("parses a realistic tool, filling defaults", () => {
    const tool = parseTool(TOOL, opts);
    expect(tool).toMatchObject({
      tool_id: "http_get",
      version: "1.2.0",
      executor_id: "http_client",
      requires: ["net.http"],
      env: ["API_TOKEN"],
      retry: { max_attempts: 3, backoff_ms: [100, 400], retryable_errors: ["TIMEOUT"] },
      input_schema: { type: "object" },
    });
    expect(tool.config).toEqual({
      method: "GET",
      url: "{url}",
      headers: { Authorization: "Bearer ${API_TOKEN}" },
      stream: { enabled: false },
    });
    expect(tool.parameters).toEqual([
      { name: "url", type: "string", required: true, description: "The URL to fetch" },
      { name: "format", type: "string", required: false, enum: ["json", "text"], default: "json" },
    ]);
    expect(tool.actions?.head?.parameters?.[0]).toEqual({ name: "url", type: "string", required: true });
  });

  it("defaults config and parameters, and accepts requires: none", () => {
    const tool = parseTool(minimal("requires: none"), opts);
    expect(tool.config).toEqual({});
    expect(tool.parameters).toEqual([]);
    expect(tool.requires).toBe("none");
  });

  it("accepts a code-bearing tool with module and export instead of executor_id", () => {
    const yaml =
      'tool_id: http_get\ntool_type: sink\nversion: "1.0.0"\ndescription: x\nmodule: "@kiwi/sinks"\nexport: createFileSink\nrequires: [fs.write]';
    expect(parseTool(yaml, opts)).toMatchObject({ module: "@kiwi/sinks", export: "createFileSink" });
  });

  it.each([
    ["neither executor_id nor module", "requires: none", "executor_id"],
    ["module without export", 'module: "./x.js"\nrequires: none', "export"],
  ])("refuses a tool with %s", (_name, extra, field) => {
    const yaml = `tool_id: http_get\ntool_type: http\nversion: "1.0.0"\ndescription: x\n${extra}`;
    expect(issuesOf(() => parseTool(yaml, opts)).map((i) => i.field)).toContain(field);
  });

  it("refuses export without module", () => {
    const issues = issuesOf(() => parseTool(minimal("export: x\nrequires: none"), opts));
    expect(issues).toContainEqual(
      expect.objectContaining({ field: "export", message: expect.stringContaining("module") }),
    );
  });

  it("refuses duplicate parameter names and reserved __ names", () => {
    const yaml = minimal(
      "requires: none\nparameters:\n  - {name: a, type: string}\n  - {name: a, type: number}\n  - {name: __auth, type: string}",
    );
    const fields = issuesOf(() => parseTool(yaml, opts)).map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(["parameters[1].name", "parameters[2].name"]));
  });

  it("checks tool_id against the file name and category against the folder", () => {
    const yaml = minimal("requires: none\ncategory: other").replace(
      "tool_id: http_get",
      "tool_id: http_post",
    );
    const issues = issuesOf(() => parseTool(yaml, opts));
    expect(issues).toContainEqual(
      expect.objectContaining({ field: "tool_id", fix: expect.stringContaining("http_post.yaml") }),
    );
    expect(issues).toContainEqual(expect.objectContaining({ field: "category" }));
  });

  it("refuses retry outside 1..10 attempts and bad env names", () => {
    const yaml = minimal("requires: none\nretry: {max_attempts: 11}\nenv: [api-key]");
    const fields = issuesOf(() => parseTool(yaml, opts)).map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(["retry.max_attempts", "env[0]"]));
  });

  it("refuses a file that is not a mapping", () => {
    expect(issuesOf(() => parseTool("- a\n- b", opts))[0]?.message).toContain("YAML mapping");
    expect(issuesOf(() => parseTool("", opts))[0]?.field).toBe("");
  });

  it("names the file in every issue and puts the first one in the message", () => {
    try {
      parseTool(minimal("requires: []"), opts);
      expect.unreachable();
    } catch (error) {
      expect(KiwiError.isInstance(error)).toBe(true);
      expect((error as KiwiError).message).toContain(`${opts.file}: requires:`);
      expect((error as KiwiError).context.file).toBe(opts.file);
    }
  });
});
