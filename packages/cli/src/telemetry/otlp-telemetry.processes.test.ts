// `kiwi thread run` as a real child process exporting its spans over OTLP/HTTP to a real receiver on
// loopback (a node:http server): http/json decoded and checked span by span, http/protobuf by its bytes.
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { createFakeLlmServer, type FakeLlmServer, type FakeScript } from "@kiwi/fake-llm";
import { afterEach, describe, expect, it } from "vitest";
import {
  createDirective,
  createThreadProject,
  type ThreadProject,
  threadDirective,
} from "../thread-display/test-support";
import { otlpSettings } from "./otlp-telemetry";

const BIN = fileURLToPath(new URL("../bin.ts", import.meta.url));
const CLI_PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

const execute = (item_id: string, parameters: Record<string, unknown>) => [
  { name: "execute", arguments: { item_type: "tool", action: "run", item_id, parameters } },
];
/** Greets (allowed), tries read_file (not granted), then answers. */
const SCRIPT: FakeScript = {
  turns: [
    {
      text: "greeting",
      tool_calls: execute("greet", { who: "Ada" }),
      usage: { input_tokens: 120, output_tokens: 30 },
    },
    { text: "reading", tool_calls: execute("read_file", { path: "src/secret.txt" }) },
    { text: "done", usage: { input_tokens: 260, output_tokens: 15 } },
  ],
};

interface Received {
  path: string;
  contentType: string;
  body: Buffer;
}

/** A minimal OTLP/HTTP receiver: records every request and answers 200 with an empty export response. */
async function receiver(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const contentType = String(req.headers["content-type"] ?? "");
      received.push({ path: req.url ?? "", contentType, body: Buffer.concat(chunks) });
      res.writeHead(200, { "content-type": contentType.includes("json") ? "application/json" : contentType });
      res.end(contentType.includes("json") ? "{}" : "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function runKiwi(
  protocol: string,
): Promise<{ code: number | null; out: string; received: Received[] }> {
  const where: ThreadProject = await createThreadProject();
  cleanups.push(() => where.remove());
  await createDirective(where, "cli_greeter", threadDirective({ name: "cli_greeter" }));
  const fake: FakeLlmServer = await createFakeLlmServer({ script: SCRIPT });
  cleanups.push(() => fake.close());
  const otlp = await receiver();
  cleanups.push(() => new Promise((r) => otlp.server.close(r)));
  const proc = spawn(
    process.execPath,
    ["--import", "tsx", BIN, "thread", "run", "cli_greeter", "greet Ada", "--project", where.project],
    {
      cwd: CLI_PACKAGE_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH ?? "",
        // Nothing of the person's own: the home folder is the temp project.
        HOME: where.project,
        KIWI_USER_SPACE: where.userSpace,
        ANTHROPIC_API_KEY: "test",
        ANTHROPIC_BASE_URL: fake.anthropicBaseUrl,
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_SERVICE_NAME: "kiwi-e2e",
      },
    },
  );
  cleanups.push(() => proc.kill("SIGKILL"));
  let out = "";
  proc.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
  proc.stderr.setEncoding("utf8").on("data", (c: string) => (out += c));
  const code = await new Promise<number | null>((resolve) => proc.on("exit", resolve));
  return { code, out, received: otlp.received };
}

type AnyValue = {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  doubleValue?: number;
};
interface JsonSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: { key: string; value: AnyValue }[];
  events?: { name: string }[];
}

const attr = (s: JsonSpan, key: string) => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? v?.intValue ?? v?.boolValue ?? v?.doubleValue;
};

describe("kiwi thread run exports its spans over OTLP/HTTP", () => {
  it("http/json: one trace, invoke_agent → chat / execute_tool, the denied call's decision, flushed on exit", {
    timeout: 60_000,
  }, async () => {
    const { code, out, received } = await runKiwi("http/json");
    expect(code, out).toBe(0);
    expect(received.length).toBeGreaterThan(0);
    for (const r of received) {
      expect(r.path).toBe("/v1/traces");
      expect(r.contentType).toContain("application/json");
    }
    const batches = received.map((r) => JSON.parse(r.body.toString("utf8")));
    const resource = batches[0].resourceSpans[0].resource.attributes as JsonSpan["attributes"];
    expect(resource.find((a) => a.key === "service.name")?.value.stringValue).toBe("kiwi-e2e");
    const spans: JsonSpan[] = batches.flatMap((b) =>
      b.resourceSpans.flatMap((rs: { scopeSpans: { spans: JsonSpan[] }[] }) =>
        rs.scopeSpans.flatMap((ss) => ss.spans),
      ),
    );
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    const agent = spans.find((s) => s.name === "invoke_agent cli_greeter")!;
    expect(agent).toBeDefined();
    expect(attr(agent, "gen_ai.operation.name")).toBe("invoke_agent");
    expect(attr(agent, "gen_ai.agent.name")).toBe("cli_greeter");
    expect(String(attr(agent, "gen_ai.conversation.id"))).toMatch(/^cli_greeter_/);
    const children = spans.filter((s) => s.parentSpanId === agent.spanId);
    expect(children.filter((s) => attr(s, "gen_ai.operation.name") === "chat")).toHaveLength(3);
    const tools = children.filter((s) => attr(s, "gen_ai.operation.name") === "execute_tool");
    expect(tools.map((s) => attr(s, "kiwi.tool.target"))).toEqual(["greet", "read_file"]);
    expect(attr(tools[0]!, "kiwi.authz.decision")).toBe("allow");
    expect(attr(tools[1]!, "kiwi.authz.decision")).toBe("deny");
    expect(attr(tools[1]!, "kiwi.authz.capability")).toBe("tool.execute");
    expect(attr(tools[1]!, "kiwi.authz.scope")).toBe("read_file");
    expect(attr(tools[1]!, "error.type")).toBe("CAPABILITY_DENIED");
    expect(tools[1]!.events?.map((e) => e.name)).toContain("kiwi.authz.denied");
    const chat = children.find((s) => attr(s, "gen_ai.operation.name") === "chat")!;
    expect(attr(chat, "gen_ai.provider.name")).toBe("anthropic");
    expect(Number(attr(chat, "gen_ai.usage.input_tokens"))).toBe(120);
  });

  it("http/protobuf: the spans arrive as protobuf", { timeout: 60_000 }, async () => {
    const { code, out, received } = await runKiwi("http/protobuf");
    expect(code, out).toBe(0);
    expect(received.length).toBeGreaterThan(0);
    expect(received[0]!.contentType).toBe("application/x-protobuf");
    const bytes = Buffer.concat(received.map((r) => r.body)).toString("latin1");
    for (const name of [
      "invoke_agent cli_greeter",
      "chat claude-haiku-4-5",
      "execute_tool execute",
      "kiwi.authz.denied",
    ])
      expect(bytes).toContain(name);
    // Not JSON: a protobuf body starts with field 1 (resource_spans), wire type 2.
    expect(received[0]!.body[0]).toBe(0x0a);
  });
});

describe("otlpSettings", () => {
  it("follows the specification's variables and precedence", () => {
    expect(otlpSettings({})).toEqual({ off: "no OTEL_EXPORTER_OTLP_ENDPOINT" });
    expect(otlpSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://h:4318/" })).toEqual({
      url: "http://h:4318/v1/traces",
      protocol: "http/protobuf",
    });
    expect(
      otlpSettings({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://h:4318",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://t/x",
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
      }),
    ).toEqual({ url: "http://t/x", protocol: "http/json" });
    expect(
      otlpSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://h", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }),
    ).toMatchObject({
      off: expect.stringContaining("not supported"),
    });
    expect(
      otlpSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://h", OTEL_SDK_DISABLED: "true" }),
    ).toMatchObject({
      off: "OTEL_SDK_DISABLED=true",
    });
  });
});
