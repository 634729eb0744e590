import { describe, expect, it } from "vitest";
import { compileConfig, mergeConfig, parseTemplate, renderConfig } from "./template";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

function render(
  config: Record<string, unknown>,
  params: Record<string, unknown>,
  vars: Record<string, string> = {},
) {
  return renderConfig({ config: compileConfig(config).value, params, env: env(vars), toolId: "t" });
}

describe("templating", () => {
  it("keeps the JSON type of whole-value placeholders and stringifies inside text", () => {
    const out = render(
      { messages: "{messages}", n: "{n}", label: "n={n} list={messages}", nested: { deep: ["{flag}"] } },
      { messages: [{ role: "user" }], n: 3, flag: false },
    );
    expect(out).toEqual({
      messages: [{ role: "user" }],
      n: 3,
      label: 'n=3 list=[{"role":"user"}]',
      nested: { deep: [false] },
    });
  });

  it("uses the default for an unset or empty variable, like the shell", () => {
    expect(render({ a: "${E:-d}", b: "${E}" }, {}, { E: "" })).toEqual({ a: "d", b: "" });
    expect(render({ a: "${E:-d}" }, {}, { E: "set" })).toEqual({ a: "set" });
  });

  it("expands ${ENV} and ${ENV:-default} from the environment only", () => {
    const out = render({ url: "${BASE:-https://api.example.com}/v1", key: "${KEY}" }, {}, { KEY: "k-123" });
    expect(out).toEqual({ url: "https://api.example.com/v1", key: "k-123" });
    expect(render({ url: "${BASE:-x}/v1" }, {}, { BASE: "http://127.0.0.1:9" })).toEqual({
      url: "http://127.0.0.1:9/v1",
    });
  });

  it("never re-scans inserted values: a parameter holding ${SECRET} or {other} stays literal", () => {
    const out = render(
      { body: "say {text}", whole: "{text}", other: "{other}" },
      { text: "${SECRET} and {other}", other: "x" },
      { SECRET: "canary-4f1a" },
    );
    expect(out).toEqual({ body: "say ${SECRET} and {other}", whole: "${SECRET} and {other}", other: "x" });
    expect(JSON.stringify(out)).not.toContain("canary-4f1a");
  });

  it("does not scan environment values for placeholders either", () => {
    const out = render({ h: "${TOKEN}-{id}" }, { id: "7" }, { TOKEN: "{id}" });
    expect(out).toEqual({ h: "{id}-7" });
  });

  it("omits keys whose whole-value optional parameter is absent, and fails on missing text parameters", () => {
    expect(render({ temperature: "{t}", keep: 1, list: ["{t}", "a"] }, {})).toEqual({ keep: 1, list: ["a"] });
    expect(() => render({ s: "v={t}" }, {})).toThrowError(expect.objectContaining({ code: "PARAM_MISSING" }));
    expect(() => render({ s: "${NOPE}" }, {})).toThrowError(expect.objectContaining({ code: "ENV_MISSING" }));
  });

  it("writes literal braces with {{ }} and leaves non-identifier braces alone", () => {
    expect(render({ a: "{{x}}", b: '{"json": 1}', c: "{ spaced }" }, { x: 1 })).toEqual({
      a: "{x}",
      b: '{"json": 1}',
      c: "{ spaced }",
    });
    expect(parseTemplate("a{b}c${D:-e}")).toEqual([
      { kind: "text", value: "a" },
      { kind: "param", name: "b" },
      { kind: "text", value: "c" },
      { kind: "env", name: "D", fallback: "e" },
    ]);
  });

  it("lists env and param references with their config paths", () => {
    const c = compileConfig({ headers: { "x-api-key": "${KEY}" }, body: { messages: "{messages}" } });
    const plain = (refs: typeof c.envRefs) => refs.map(({ name, path }) => ({ name, path }));
    expect(plain(c.envRefs)).toEqual([{ name: "KEY", path: "headers.x-api-key" }]);
    expect(plain(c.paramRefs)).toEqual([{ name: "messages", path: "body.messages" }]);
    expect(c.envRefs[0]!.template.source).toBe("${KEY}");
  });

  it("merges parent-first: objects deep-merge, the child's scalars and arrays win", () => {
    const merged = mergeConfig({ a: 1, o: { x: 1, y: 2 }, list: [1, 2] }, { o: { y: 3 }, list: [9], b: 2 });
    expect(merged).toEqual({ a: 1, b: 2, o: { x: 1, y: 3 }, list: [9] });
    const polluted = mergeConfig({}, JSON.parse('{"__proto__": {"polluted": true}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(polluted)).toBe(Object.prototype);
  });
});
