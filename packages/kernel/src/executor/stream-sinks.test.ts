import { createSinkFanOut } from "@kiwi/sinks";
import type { AuthorizationRequest, PrimitiveV1, SinkEvent, SinkV1 } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { createItem, fixture, ok, toolYaml, writeRaw } from "../test-support/fixture";

type Log = { id: string; kind: string; event?: SinkEvent }[];
const g = globalThis as unknown as { __kiwiSinkLog?: Log };

// A sink module living in the project space, loaded through the plugin loader like any third-party sink.
const SINK_MODULE = `
export function createRecordingSink(settings) {
  const log = (globalThis.__kiwiSinkLog ??= []);
  return {
    specificationVersion: "sink-v1",
    id: "rec_" + settings.label,
    write(event) {
      if (settings.fail) throw new Error("disk on fire");
      log.push({ id: settings.label, kind: "write", event });
    },
    async close() {
      log.push({ id: settings.label, kind: "close" });
      if (settings.failClose) throw Object.assign(new Error("3 events lost"), { code: "SINK_FLUSH_INCOMPLETE" });
    },
  };
}
createRecordingSink.settingsSchema = {
  "~standard": { version: 1, vendor: "test", validate: (v) => typeof v?.label === "string" ? { value: v } : { issues: [{ message: "label is required", path: ["label"] }] } },
};
`;

const SINK_YAML = [
  "tool_id: rec_sink",
  "tool_type: sink",
  'version: "1.0.0"',
  "description: Records events for tests",
  "module: ./rec_sink.mjs",
  "export: createRecordingSink",
  "requires: [test.record]",
  "",
].join("\n");

// A streaming primitive written as a third party would: the call's sinks, through the one fan-out.
function streamer(events: number, opts: { throwAfter?: boolean } = {}): PrimitiveV1 {
  return {
    specificationVersion: "primitive-v1",
    id: "streamer",
    async run({ sinks = [], context }) {
      const fan = createSinkFanOut(sinks);
      for (let i = 0; i < events; i++) await fan.write({ event: "message", data: String(i) });
      await fan.flush();
      if (opts.throwAfter) throw new Error("connection reset");
      return {
        success: true,
        sinks: fan.ids,
        smuggled: context.meta.__sinks !== undefined,
        sink_errors: fan.failures,
      };
    },
  };
}

async function setup(
  primitive: PrimitiveV1,
  destinations: string,
  authorizer?: (r: AuthorizationRequest) => void,
) {
  g.__kiwiSinkLog = [];
  // These tests are about sinks, not capabilities: without a custom authorizer they run unguarded
  // (the sink's `requires` would otherwise need a capability token).
  const f = await fixture({
    primitives: [primitive],
    ...(authorizer ? { authorizer } : { guard: false as const }),
  });
  await writeRaw(f.projectRoot, ".ai/tools/sinks/rec_sink.mjs", SINK_MODULE);
  await createItem(f, "tool", "rec_sink", SINK_YAML, { category: "sinks" });
  await createItem(
    f,
    "tool",
    "streamy",
    toolYaml({
      id: "streamy",
      executor: "streamer",
      config: `  stream:\n    destinations:\n${destinations}`,
    }),
  );
  return f;
}

const run = (f: Awaited<ReturnType<typeof fixture>>, sinks?: SinkV1[]) =>
  f.kernel.execute({ item_type: "tool", action: "run", item_id: "streamy" }, sinks ? { sinks } : {});

describe("stream destinations", () => {
  it("instantiates sink definitions from data, streams in order and closes them after success", async () => {
    const f = await setup(streamer(3), "      - type: return\n      - type: rec_sink\n        label: a\n");
    const r = ok(await run(f));
    expect((r.result as { sinks: string[] }).sinks).toEqual(["rec_a"]);
    expect(g.__kiwiSinkLog!.map((l) => (l.kind === "write" ? l.event!.data : l.kind))).toEqual([
      "0",
      "1",
      "2",
      "close",
    ]);
  });

  it("closes sinks when the primitive fails", async () => {
    const f = await setup(streamer(2, { throwAfter: true }), "      - type: rec_sink\n        label: a\n");
    const r = await run(f);
    expect(r.success === false && r.error.code).toBe("PRIMITIVE_FAILED");
    expect(g.__kiwiSinkLog!.at(-1)).toEqual({ id: "a", kind: "close" });
  });

  it("isolates a failing sink: the others receive everything and the failure is reported", async () => {
    const f = await setup(
      streamer(3),
      "      - type: rec_sink\n        label: bad\n        fail: true\n      - type: rec_sink\n        label: good\n",
    );
    const r = ok(await run(f));
    const good = g
      .__kiwiSinkLog!.filter((l) => l.id === "good" && l.kind === "write")
      .map((l) => l.event!.data);
    expect(good).toEqual(["0", "1", "2"]);
    expect((r.result as { sink_errors: unknown[] }).sink_errors).toEqual([
      { sink: "rec_bad", phase: "write", message: "disk on fire", events_written: 0 },
    ]);
    expect(
      g
        .__kiwiSinkLog!.filter((l) => l.kind === "close")
        .map((l) => l.id)
        .sort(),
    ).toEqual(["bad", "good"]);
  });

  it("adds the sinks' requires to the guard's request and opens nothing when it refuses", async () => {
    const seen: string[][] = [];
    const f = await setup(streamer(1), "      - type: rec_sink\n        label: a\n", (r) => {
      if (r.kind !== "tool.run") return;
      seen.push([...r.requires]);
      throw Object.assign(new Error("denied"), {});
    });
    const r = await run(f);
    expect(r.success).toBe(false);
    expect(seen).toEqual([["test.record"]]);
    expect(g.__kiwiSinkLog).toEqual([]);
  });

  it("refuses a destination that is not a sink, and invalid sink settings, before running", async () => {
    const f = await setup(streamer(1), "      - type: streamy\n");
    const r = await run(f);
    expect(r.success === false && r.error.code).toBe("TOOL_CHAIN_FAILED");
    const g2 = await setup(streamer(1), "      - type: rec_sink\n        nolabel: 1\n");
    const r2 = await run(g2);
    expect(r2.success === false && r2.error).toMatchObject({
      code: "PLUGIN_INVALID",
      message: expect.stringContaining("label is required"),
    });
  });

  it("reports a settings typo against the tool file that has it, not the sink's own YAML", async () => {
    const f = await setup(streamer(1), "      - type: return\n      - type: rec_sink\n        lable: a\n");
    // A child tool inheriting the destinations: the typo is still in streamy's file.
    await createItem(f, "tool", "streamy_child", toolYaml({ id: "streamy_child", executor: "streamy" }));
    for (const item_id of ["streamy", "streamy_child"]) {
      const r = await f.kernel.execute({ item_type: "tool", action: "run", item_id });
      expect(r.success === false && r.error).toMatchObject({
        code: "PLUGIN_INVALID",
        file: expect.stringMatching(/streamy\.yaml$/),
        field: "config.stream.destinations[1]",
        definition_file: expect.stringMatching(/rec_sink\.yaml$/),
      });
      const message = r.success === false ? r.error.message : "";
      expect(message).toMatch(/^project:.*streamy\.yaml: config\.stream\.destinations\[1\]/);
      expect(message).toContain("label is required");
      expect(message).not.toContain("rec_sink.yaml");
    }
    expect(g.__kiwiSinkLog).toEqual([]);
  });

  it("hands the caller's sinks to the primitive first, typed, and leaves closing them to the caller", async () => {
    const f = await setup(streamer(2), "      - type: rec_sink\n        label: a\n");
    const seen: string[] = [];
    let closed = 0;
    const mine: SinkV1 = {
      specificationVersion: "sink-v1",
      id: "harness_state",
      write: (e) => void seen.push(e.data),
      close: async () => void closed++,
    };
    const r = ok(await run(f, [mine]));
    expect(r.result).toMatchObject({ sinks: ["harness_state", "rec_a"], smuggled: false, sink_errors: [] });
    expect(seen).toEqual(["0", "1"]);
    expect(closed).toBe(0);
    expect(g.__kiwiSinkLog!.map((l) => l.kind)).toEqual(["write", "write", "close"]);
  });

  it("never takes sinks from metadata: __sinks in meta reaches no primitive as a sink", async () => {
    const f = await setup(streamer(1), "      - type: rec_sink\n        label: a\n");
    let written = 0;
    const smuggled = {
      specificationVersion: "sink-v1",
      id: "x",
      write: () => void written++,
      close: async () => {},
    };
    const r = ok(
      await f.kernel.execute(
        { item_type: "tool", action: "run", item_id: "streamy" },
        { meta: { __sinks: [smuggled] } },
      ),
    );
    expect(r.result).toMatchObject({ sinks: ["rec_a"] });
    expect(written).toBe(0);
  });

  it("reports a sink that fails to close under the same sink_errors key", async () => {
    const f = await setup(streamer(1), "      - type: rec_sink\n        label: a\n        failClose: true\n");
    const r = ok(await run(f));
    expect((r.result as { sink_errors: unknown[] }).sink_errors).toEqual([
      { sink: "rec_a", phase: "close", message: "3 events lost", code: "SINK_FLUSH_INCOMPLETE" },
    ]);
  });
});

describe("secrets and URLs in config", () => {
  function recorder() {
    const calls: Record<string, unknown>[] = [];
    const flags: (boolean | undefined)[] = [];
    const p: PrimitiveV1 = {
      specificationVersion: "primitive-v1",
      id: "rec",
      run: async ({ config, carriesSecret }) => {
        calls.push(config);
        flags.push(carriesSecret);
        return { success: true };
      },
    };
    return { calls, flags, p };
  }

  it("marks a call carriesSecret when ${ENV} feeds a header or auth value (a typed flag, not config)", async () => {
    const { calls, flags, p } = recorder();
    const f = await fixture({ primitives: [p], env: { API_KEY: "k" } });
    await createItem(
      f,
      "tool",
      "secret",
      toolYaml({
        id: "secret",
        executor: "rec",
        config: '  url: "https://api.test/v1"\n  headers:\n    x-api-key: "${API_KEY}"\n',
        extra: "env: [API_KEY]",
      }),
    );
    await createItem(
      f,
      "tool",
      "plain",
      toolYaml({ id: "plain", executor: "rec", config: '  url: "https://api.test/v1"\n' }),
    );
    ok(await f.kernel.execute({ item_type: "tool", action: "run", item_id: "secret" }));
    ok(await f.kernel.execute({ item_type: "tool", action: "run", item_id: "plain" }));
    expect(flags).toEqual([true, false]);
    expect(calls.map((c) => c.carries_secret)).toEqual([undefined, undefined]);
  });

  it("percent-encodes parameters inside the url so they cannot add segments, queries or fragments", async () => {
    const { calls, p } = recorder();
    const f = await fixture({ primitives: [p] });
    await createItem(
      f,
      "tool",
      "gh",
      toolYaml({
        id: "gh",
        executor: "rec",
        params: "  - name: repo\n    type: string\n  - name: q\n    type: string",
        config: '  url: "https://api.test/repos/{repo}/issues?q={q}"\n',
      }),
    );
    ok(
      await f.kernel.execute({
        item_type: "tool",
        action: "run",
        item_id: "gh",
        parameters: { repo: "x/../../admin", q: "a&admin=1#f" },
      }),
    );
    expect(calls[0]!.url).toBe("https://api.test/repos/x%2F..%2F..%2Fadmin/issues?q=a%26admin%3D1%23f");
    expect(new URL(calls[0]!.url as string).origin).toBe("https://api.test");
  });

  it.each(['"https://{host}/v1"', '"{base}/v1"', '"http{s}://api.test/v1"'])(
    "refuses a parameter in the URL origin: %s",
    async (url) => {
      const f = await fixture();
      await createItem(
        f,
        "tool",
        "hosty",
        toolYaml({
          id: "hosty",
          params:
            "  - name: host\n    type: string\n  - name: base\n    type: string\n  - name: s\n    type: string",
          config: `  url: ${url}\n`,
        }),
      );
      const r = await f.kernel.execute({ item_type: "tool", action: "run", item_id: "hosty" });
      expect(r.success === false && r.error).toMatchObject({
        code: "TOOL_CHAIN_FAILED",
        failed_at: { validation_errors: [{ code: "TEMPLATE_HOST_PARAM" }] },
      });
    },
  );

  it("accepts an ${ENV} origin with parameters in the path", async () => {
    const f = await fixture();
    await createItem(
      f,
      "tool",
      "based",
      toolYaml({
        id: "based",
        params: "  - name: id\n    type: string",
        config: '  url: "${BASE:-https://api.test}/items/{id}"\n',
        extra: "env: [BASE]",
      }),
    );
    const r = ok(
      await f.kernel.execute({ item_type: "tool", action: "run", item_id: "based", parameters: { id: "7" } }),
    );
    expect((r.result as { config: { url: string } }).config.url).toBe("https://api.test/items/7");
  });
});
