import type { AuthorizationRequest, PrimitiveCall, PrimitiveV1 } from "@kiwi/spec";
import { KiwiError } from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { createItem, fixture, ok, toolYaml } from "../test-support/fixture";

function recorder() {
  const calls: PrimitiveCall[] = [];
  const primitive: PrimitiveV1 = {
    specificationVersion: "primitive-v1",
    id: "record",
    async run(call) {
      calls.push(call);
      return { success: true, seen: call.config };
    },
  };
  return { calls, primitive };
}

const chain = async (f: Awaited<ReturnType<typeof fixture>>, executor = "echo") => {
  await createItem(
    f,
    "tool",
    "base",
    toolYaml({
      id: "base",
      executor,
      params:
        "  - name: who\n    type: string\n    required: true\n  - name: tags\n    type: array\n    default: []",
      config:
        '  url: "${BASE_URL:-https://example.test}/v1"\n  body:\n    who: "{who}"\n    tags: "{tags}"\n    fixed: parent\n  mode: parent\n',
      extra: "env: [BASE_URL]",
    }),
  );
  await createItem(
    f,
    "tool",
    "middle",
    toolYaml({ id: "middle", executor: "base", config: "  mode: middle\n  body:\n    fixed: middle\n" }),
  );
  await createItem(
    f,
    "tool",
    "top",
    toolYaml({
      id: "top",
      executor: "middle",
      params: "  - name: greeting\n    type: string\n    default: hi",
      config: '  body:\n    text: "{greeting}, {who}"\n',
    }),
  );
};

describe("execute(tool, run)", () => {
  it("resolves a three-deep chain, merges config parent-first and keeps JSON types", async () => {
    const f = await fixture({ env: { BASE_URL: "http://127.0.0.1:1" } });
    await chain(f);
    const r = await f.kernel.execute({
      item_type: "tool",
      action: "run",
      item_id: "top",
      parameters: { who: "Ada", tags: ["x", 1] },
    });
    expect(r.success).toBe(true);
    expect(ok(r).chain).toEqual(["top", "middle", "base", "echo"]);
    expect((ok(r).result as { config: unknown }).config).toEqual({
      url: "http://127.0.0.1:1/v1",
      body: { who: "Ada", tags: ["x", 1], fixed: "middle", text: "hi, Ada" },
      mode: "middle",
    });
  });

  it("forwards opaque metadata untouched and gives the guard the chain's requirements", async () => {
    const { calls, primitive } = recorder();
    const requests: AuthorizationRequest[] = [];
    const f = await fixture({ primitives: [primitive], authorizer: (r) => void requests.push(r) });
    await createItem(
      f,
      "tool",
      "rec",
      toolYaml({ id: "rec", executor: "record", requires: "[fs.read, tool.execute]" }),
    );
    const meta = { __auth: "opaque.token.value", __thread_id: "t1", __directive_id: "d1" };
    const r = await f.kernel.execute({ item_type: "tool", action: "run", item_id: "rec" }, { meta });
    expect(r.success).toBe(true);
    expect(calls[0]?.context.meta).toBe(meta);
    expect(calls[0]?.params).toEqual({});
    const run = requests.find((q) => q.kind === "tool.run");
    expect(run).toMatchObject({
      kind: "tool.run",
      toolId: "rec",
      chain: ["rec", "record"],
      requires: ["fs.read", "tool.execute"],
      meta,
    });
  });

  it("runs nothing when the guard refuses", async () => {
    const { calls, primitive } = recorder();
    const f = await fixture({
      primitives: [primitive],
      authorizer: (r) => {
        if (r.kind === "tool.run")
          throw new KiwiError({ code: "CAPABILITY_DENIED", message: "missing fs.read" });
      },
    });
    await createItem(f, "tool", "rec", toolYaml({ id: "rec", executor: "record", requires: "[fs.read]" }));
    const r = await f.kernel.execute({ item_type: "tool", action: "run", item_id: "rec" });
    expect(r.success === false && r.error.code).toBe("CAPABILITY_DENIED");
    expect(calls).toHaveLength(0);
  });

  it.each([
    [{ who: "Ada", __auth: "x" }, "PARAM_RESERVED"],
    [{ who: "Ada", __sinks: [] }, "PARAM_RESERVED"],
    [{ who: "Ada", extra: 1 }, "PARAM_UNKNOWN"],
    [{}, "PARAM_MISSING"],
    [{ who: 3 }, "PARAM_INVALID"],
  ])("refuses parameters %j with %s", async (parameters, code) => {
    const f = await fixture();
    await chain(f);
    const r = await f.kernel.execute({ item_type: "tool", action: "run", item_id: "top", parameters });
    expect(r.success === false && r.error.code).toBe(code);
  });

  it("sends a parameter that looks like ${SECRET} literally and never reads the secret", async () => {
    const { calls, primitive } = recorder();
    const f = await fixture({ primitives: [primitive], env: { SECRET: "canary-9d2f" } });
    await createItem(
      f,
      "tool",
      "leak",
      toolYaml({
        id: "leak",
        executor: "record",
        params: "  - name: q\n    type: string",
        config: '  url: "https://api.test/?q={q}"\n  whole: "{q}"\n',
      }),
    );
    const r = await f.kernel.execute({
      item_type: "tool",
      action: "run",
      item_id: "leak",
      parameters: { q: "${SECRET}" },
    });
    expect(r.success).toBe(true);
    expect(calls[0]?.config).toEqual({
      url: `https://api.test/?q=${encodeURIComponent("${SECRET}")}`,
      whole: "${SECRET}",
    });
    expect(JSON.stringify(r)).not.toContain("canary-9d2f");
  });

  it("turns a primitive's failure into the error shape and a thrown error into PRIMITIVE_FAILED", async () => {
    const failing: PrimitiveV1 = {
      specificationVersion: "primitive-v1",
      id: "fails",
      run: async () => ({ success: false, error: "HTTP 503" }),
    };
    const throwing: PrimitiveV1 = {
      specificationVersion: "primitive-v1",
      id: "throws",
      run: async () => {
        throw new Error("boom");
      },
    };
    const f = await fixture({ primitives: [failing, throwing] });
    await createItem(f, "tool", "f1", toolYaml({ id: "f1", executor: "fails" }));
    await createItem(f, "tool", "f2", toolYaml({ id: "f2", executor: "throws" }));
    const a = await f.kernel.execute({ item_type: "tool", action: "run", item_id: "f1" });
    expect(a).toMatchObject({
      success: false,
      error: { code: "PRIMITIVE_FAILED", message: "HTTP 503" },
      result: { success: false },
    });
    const b = await f.kernel.execute({ item_type: "tool", action: "run", item_id: "f2" });
    expect(b.success === false && b.error.code).toBe("PRIMITIVE_FAILED");
    expect(b.success === false && b.error.message).toContain("boom");
  });
});
