// End to end, public APIs only: a project that depends on this package gets `jsonl_counter_sink` from the
// package's own data definition (the `kiwi` field in package.json), and a tool whose http_client stream
// names it as a destination writes every SSE event of a real loopback server into the project.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mintToken } from "@kiwi/capabilities";
import { createKernel, type Kernel } from "@kiwi/kernel";
import { installSigned } from "@kiwi/testing/install";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));

/** A server that answers every request with `count` SSE events, then ends the stream. */
async function sseServer(count: number) {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    for (let i = 0; i < count; i++) res.write(`event: delta\nid: ${i}\ndata: {"n":${i}}\n\n`);
    res.end("event: done\ndata: [DONE]\n\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/stream`, close: () => server.close() };
}

/** An ordinary tool of the user's project: stream the server's events into jsonl_counter_sink. */
const relayTool = (url: string) => `tool_id: relay
tool_type: http
version: "1.0.0"
description: Streams a server's events into jsonl_counter_sink.
executor_id: http_client
requires: [net.http]
config:
  url: "${url}"
  mode: stream
  stream:
    destinations:
      - type: return
      - type: jsonl_counter_sink
        path: reports/relay.jsonl
        events: [delta]
`;

describe("jsonl_counter_sink discovered from data", () => {
  let kernel: Kernel;
  let projectRoot: string;
  let sse: Awaited<ReturnType<typeof sseServer>>;
  let installed: Awaited<ReturnType<typeof installSigned>>;

  beforeAll(async () => {
    sse = await sseServer(4);
    installed = await installSigned({ packageDir: PACKAGE_DIR, createKernel });
    projectRoot = installed.projectRoot;
    kernel = await createKernel({
      projectRoot,
      userSpace: installed.userSpace,
      indexTtlMs: 0,
      // The test sets the project up as the person at their terminal (it creates the relay tool).
      personAtTerminal: true,
    });
    const created = await kernel.execute({
      item_type: "tool",
      action: "create",
      item_id: "relay",
      parameters: { content: relayTool(sse.url) },
    });
    if (!created.success) throw new Error(created.error.message);
  });
  afterAll(async () => {
    sse.close();
    await installed.remove();
  });

  /** A thread's token, as a harness would mint it from a directive's permissions. */
  async function token(grants: { cap: string; scope?: string }[]) {
    const minted = await mintToken({
      key: await kernel.signingKey(),
      grants,
      directiveId: "relay_test",
      threadId: "relay_1",
    });
    return { meta: { __auth: minted.token, __thread_id: "relay_1" } };
  }
  const base = [
    { cap: "kiwi.execute" },
    { cap: "tool.execute", scope: "relay" },
    { cap: "net.http", scope: "127.0.0.1" },
  ];

  it("finds the package's item space and its verified definition", async () => {
    expect(kernel.spaces.map((s) => s.name)).toContain("plugin:@kiwi-examples/sink-jsonl-counter");
    const loaded = await kernel.load({ item_type: "tool", item_id: "jsonl_counter_sink" });
    expect(loaded).toMatchObject({
      success: true,
      space: "plugin:@kiwi-examples/sink-jsonl-counter",
      signature: { key_id: installed.publisherKeyId, signer: "trusted-dir:publisher.pub" },
    });
  });

  it("is refused by a user who does not trust the publisher's key", async () => {
    const stranger = await createKernel({
      projectRoot,
      userSpace: join(projectRoot, "..", "stranger"),
      indexTtlMs: 0,
    });
    const r = await stranger.load({ item_type: "tool", item_id: "jsonl_counter_sink" });
    expect(r.success ? r : r.error).toMatchObject({ code: "INTEGRITY_MISMATCH", reason: "untrusted_signer" });
  });

  it("streams every event into the sink when the thread holds fs.write", async () => {
    const r = await kernel.execute(
      { item_type: "tool", action: "run", item_id: "relay" },
      await token([...base, { cap: "fs.write", scope: "reports/**" }]),
    );
    expect(r.success ? r.result : r.error).toMatchObject({
      success: true,
      stream_events_count: 5,
      stream_destinations: ["return", "jsonl_counter_sink"],
    });
    const lines = (await readFile(`${projectRoot}/reports/relay.jsonl`, "utf8")).trimEnd().split("\n");
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { n: 1, event: "delta", data: '{"n":0}', id: "0" },
      { n: 2, event: "delta", data: '{"n":1}', id: "1" },
      { n: 3, event: "delta", data: '{"n":2}', id: "2" },
      { n: 4, event: "delta", data: '{"n":3}', id: "3" },
      { summary: { written: 4, skipped: 1, by_event: { delta: 4 } } },
    ]);
  });

  it("is refused before it opens when the thread lacks the sink's fs.write", async () => {
    const r = await kernel.execute({ item_type: "tool", action: "run", item_id: "relay" }, await token(base));
    expect(r.success ? r : r.error).toMatchObject({ code: "CAPABILITY_DENIED", required: "fs.write" });
  });

  it("fails with PLUGIN_INVALID naming the tool file with the typo (not the sink's YAML)", async () => {
    const bad = relayTool(sse.url).replace("events: [delta]", "event: [delta]").replace("relay", "relay_bad");
    const created = await kernel.execute({
      item_type: "tool",
      action: "create",
      item_id: "relay_bad",
      parameters: { content: bad },
    });
    expect(created.success).toBe(true);
    const r = await kernel.execute(
      { item_type: "tool", action: "run", item_id: "relay_bad" },
      await token([...base, { cap: "tool.execute", scope: "relay_bad" }, { cap: "fs.write", scope: "**" }]),
    );
    expect(r.success ? r : r.error).toMatchObject({
      code: "PLUGIN_INVALID",
      file: expect.stringMatching(/relay_bad\.yaml$/),
      definition_file: expect.stringMatching(/jsonl_counter_sink\.yaml$/),
    });
    expect(r.success ? "" : r.error.message).toMatch(/relay_bad\.yaml: config\.stream\.destinations.*event/);
    expect(r.success ? "" : r.error.message).not.toContain("jsonl_counter_sink.yaml");
  });
});
