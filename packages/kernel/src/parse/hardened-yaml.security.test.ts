import { afterEach, describe, expect, it } from "vitest";
import { codeOf } from "../test-support/errors";
import { parseYamlStrict } from "./hardened-yaml";

const opts = { file: "tools/evil/evil.yaml", maxDepth: 64 };

/** Runs `fn`, returning its error code and how long it took. */
function timed(fn: () => unknown): { code: string; ms: number } {
  const start = performance.now();
  const code = codeOf(fn);
  return { code, ms: performance.now() - start };
}

const polluted = () => ({}) as { polluted?: unknown };

afterEach(() => {
  // A polluted prototype would leak into every later test; fail loudly here instead.
  expect(polluted().polluted).toBeUndefined();
});

describe("parseYamlStrict against hostile YAML (battery Y1-Y9)", () => {
  it("Y1: billion laughs fails fast with PARSE_ALIAS_LIMIT", () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i <= 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(",")}]`);
    }
    const result = timed(() => parseYamlStrict(levels.join("\n"), opts));
    expect(result.code).toBe("PARSE_ALIAS_LIMIT");
    expect(result.ms).toBeLessThan(1000);
  });

  it.each([
    ["an anchor alone", "a: &x 1\nb: 2"],
    ["an alias to a scalar", "a: &x 1\nb: *x"],
    ["an alias inside a flow sequence", "a: &x 1\nb: [*x]"],
    ["an anchor on a mapping", "base: &base\n  k: v"],
  ])("Y2: refuses %s (no aliases at all)", (_name, yaml) => {
    expect(codeOf(() => parseYamlStrict(yaml, opts))).toBe("PARSE_ALIAS_LIMIT");
  });

  it.each([
    ["merge with an alias", "base: &base {a: 1}\nx:\n  <<: *base"], // refused at the anchor already
    ["merge of an inline mapping", "x:\n  <<: {a: 1}\n  b: 2"],
    ["quoted merge key", 'x:\n  "<<": {a: 1}'],
  ])("Y3: refuses %s", (_name, yaml) => {
    expect(["PARSE_UNSUPPORTED", "PARSE_ALIAS_LIMIT"]).toContain(codeOf(() => parseYamlStrict(yaml, opts)));
  });

  it("Y3: an inline merge key is PARSE_UNSUPPORTED specifically", () => {
    expect(codeOf(() => parseYamlStrict("x:\n  <<: {a: 1}", opts))).toBe("PARSE_UNSUPPORTED");
  });

  it.each([
    ["__proto__ at the top", "__proto__: {polluted: true}"],
    ["constructor.prototype", "constructor: {prototype: {polluted: true}}"],
    ["__proto__ under config", "config:\n  __proto__:\n    polluted: true"],
    ["prototype deep in a list", "config:\n  list:\n    - {prototype: {polluted: true}}"],
    ["a quoted __proto__ with an escape", 'config: {"__pro\\x74o__": {polluted: true}}'],
    ["__proto__ in flow style", "{__proto__: {polluted: true}}"],
  ])("Y4: refuses %s with PARSE_RESERVED_KEY and pollutes nothing", (_name, yaml) => {
    expect(codeOf(() => parseYamlStrict(yaml, opts))).toBe("PARSE_RESERVED_KEY");
    expect(polluted().polluted).toBeUndefined();
  });

  it("Y4: a parsed object's prototype is Object.prototype and setting keys stays harmless", () => {
    const value = parseYamlStrict("config:\n  a: 1", opts) as { config: object };
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(value.config)).toBe(Object.prototype);
    // A naive merge of the result (what later code might do) must not reach Object.prototype.
    Object.assign({}, value, value.config);
    expect(polluted().polluted).toBeUndefined();
  });

  it.each([
    ["a repeated top-level key", "requires: [fs.read]\nrequires: none"],
    ["a repeated nested key", "config:\n  a: 1\n  a: 2"],
    ["a repeated key in flow style", "{a: 1, a: 2}"],
  ])("Y5: refuses %s with PARSE_DUPLICATE_KEY", (_name, yaml) => {
    expect(codeOf(() => parseYamlStrict(yaml, opts))).toBe("PARSE_DUPLICATE_KEY");
  });

  it.each([
    ["!!js/function", 'a: !!js/function "function(){ return 1 }"'],
    ["!!binary", "a: !!binary aGVsbG8="],
    ["!!set", "a: !!set {x, y}"],
    ["!!timestamp", "a: !!timestamp 2001-12-14"],
    ["a custom !foo", "a: !foo bar"],
    ["a harmless-looking !!str", "a: !!str 1"],
    ["a tag on a collection", "a: !!map {b: 1}"],
    ["a verbatim tag", "a: !<tag:yaml.org,2002:str> x"],
    ["a %TAG directive", "%TAG !e! tag:example.com,2000:\n---\na: 1"],
    ["a %YAML 1.1 directive (would bring yes/no booleans back)", "%YAML 1.1\n---\na: yes"],
  ])("Y6: refuses %s with PARSE_UNSUPPORTED", (_name, yaml) => {
    expect(codeOf(() => parseYamlStrict(yaml, opts))).toBe("PARSE_UNSUPPORTED");
  });

  it.each([
    ["[", () => "[".repeat(100_000)],
    ["{", () => "{".repeat(100_000)],
    ["[{ mixed", () => "[{a: ".repeat(50_000)],
    ["[ after a key", () => `a: ${"[".repeat(100_000)}${"]".repeat(100_000)}`],
    ["- compact sequences", () => `${"- ".repeat(100_000)}x`],
    ["? compact keys", () => `${"? ".repeat(100_000)}x`],
  ])("Y8: 100 000 nested %s fail with PARSE_DEPTH, fast, without a stack overflow", (_name, make) => {
    const result = timed(() => parseYamlStrict(make(), opts));
    expect(result.code).toBe("PARSE_DEPTH");
    expect(result.ms).toBeLessThan(1000);
  });

  it("Y8: 100 000 brackets behind a tag or anchor are refused before the parser runs", () => {
    for (const prefix of ["a: !t ", "a: &x ", "- !!seq "]) {
      const result = timed(() => parseYamlStrict(`${prefix}${"[".repeat(100_000)}`, opts));
      expect(result.code).toBe("PARSE_DEPTH");
      expect(result.ms).toBeLessThan(1000);
    }
  });

  it.each([
    ["two documents", "a: 1\n---\nb: 2"],
    ["a document end marker then a second document", "a: 1\n...\n---\nb: 2\n"],
    ["an empty second document", "a: 1\n---\n"],
  ])("Y9: refuses %s with PARSE_MULTI_DOC", (_name, yaml) => {
    expect(codeOf(() => parseYamlStrict(yaml, opts))).toBe("PARSE_MULTI_DOC");
  });

  it("refuses a byte-order mark inside the text", () => {
    expect(codeOf(() => parseYamlStrict("\uFEFFa: 1", opts))).toBe("PARSE_ENCODING");
  });
});
