import { describe, expect, it } from "vitest";
import { expectNoPrototypePollution, failure, issuesIn as issuesOf, polluted } from "../test-support/errors";
import { decodeItemBytes } from "./decode-item-bytes";
import { parseTool } from "./tool-parser";

const opts = { file: ".ai/tools/evil/evil.yaml", itemId: "evil", category: "evil", maxDepth: 64 };
const BASE = 'tool_id: evil\ntool_type: http\nversion: "1.0.0"\ndescription: x\nexecutor_id: http_client\n';

expectNoPrototypePollution();

describe("parseTool against hostile tool files (battery Y1-Y12)", () => {
  it("parses the baseline used below", () => {
    expect(parseTool(`${BASE}requires: [fs.read]`, opts).requires).toEqual(["fs.read"]);
  });

  it("Y1: billion laughs → PARSE_ALIAS_LIMIT, fast", () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) {
      const [prev, name] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(",")}]`);
    }
    const start = performance.now();
    expect(
      failure(() => parseTool(`${BASE}requires: none\nconfig:\n  ${lines.join("\n  ")}`, opts)).code,
    ).toBe("PARSE_ALIAS_LIMIT");
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it("Y2: a single harmless alias → PARSE_ALIAS_LIMIT", () => {
    expect(failure(() => parseTool(`${BASE}requires: &r [fs.read]\ndependencies: *r`, opts)).code).toBe(
      "PARSE_ALIAS_LIMIT",
    );
  });

  it("Y3: a merge key → PARSE_UNSUPPORTED", () => {
    expect(failure(() => parseTool(`${BASE}requires: none\nconfig:\n  <<: {a: 1}`, opts)).code).toBe(
      "PARSE_UNSUPPORTED",
    );
  });

  it.each([
    ["__proto__ at the top", "__proto__: {polluted: true}"],
    ["constructor.prototype", "constructor: {prototype: {polluted: true}}"],
    ["__proto__ under config", "config:\n  __proto__: {polluted: true}"],
    ["__proto__ in a parameter", "parameters:\n  - {name: a, type: string, __proto__: {polluted: true}}"],
  ])("Y4: %s → PARSE_RESERVED_KEY; no pollution", (_name, extra) => {
    expect(failure(() => parseTool(`${BASE}requires: none\n${extra}`, opts)).code).toBe("PARSE_RESERVED_KEY");
    expect(polluted().polluted).toBeUndefined();
  });

  it("Y4: a parsed tool has ordinary prototypes", () => {
    const tool = parseTool(`${BASE}requires: none\nconfig: {a: {b: 1}}`, opts);
    expect(Object.getPrototypeOf(tool)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(tool.config)).toBe(Object.prototype);
  });

  it("Y5: requires: written twice → PARSE_DUPLICATE_KEY", () => {
    expect(failure(() => parseTool(`${BASE}requires: [fs.read]\nrequires: none`, opts)).code).toBe(
      "PARSE_DUPLICATE_KEY",
    );
  });

  it.each([["!!js/function 'x'"], ["!!binary aGk="], ["!!set {a}"], ["!!timestamp 2001-01-01"], ["!foo x"]])(
    "Y6: a %s value → PARSE_UNSUPPORTED",
    (tagged) => {
      expect(failure(() => parseTool(`${BASE}requires: none\nconfig:\n  a: ${tagged}`, opts)).code).toBe(
        "PARSE_UNSUPPORTED",
      );
    },
  );

  it("Y7: a 10 MiB scalar never reaches the parser", () => {
    const bytes = new TextEncoder().encode(
      `${BASE}requires: none\ndescription: ${"x".repeat(10 * 1024 * 1024)}`,
    );
    expect(failure(() => decodeItemBytes(bytes, { file: opts.file, maxBytes: 256 * 1024 })).code).toBe(
      "PARSE_TOO_LARGE",
    );
  });

  it.each([["["], ["{"]])("Y8: 100 000 nested %s → PARSE_DEPTH, fast", (bracket) => {
    const start = performance.now();
    expect(
      failure(() => parseTool(`${BASE}requires: none\nconfig: ${bracket.repeat(100_000)}`, opts)).code,
    ).toBe("PARSE_DEPTH");
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it("Y9: a second document → PARSE_MULTI_DOC", () => {
    expect(failure(() => parseTool(`${BASE}requires: none\n---\nrequires: [fs.write]`, opts)).code).toBe(
      "PARSE_MULTI_DOC",
    );
  });

  it.each([
    ["requires as a string", 'requires: "fs.write"', "requires"],
    ["requires as a bare glob", "requires: fs.*", "requires"],
    ["version: 1.10 read as a number", "requires: none", "version", 'version: "1.0.0"', "version: 1.10"],
    [
      "a YAML 1.1 boolean",
      "requires: none\nparameters:\n  - {name: a, type: string, required: yes}",
      "parameters[0].required",
    ],
    ["a quoted number", 'requires: none\nretry: {max_attempts: "3"}', "retry.max_attempts"],
    [
      "an exponent string",
      'requires: none\nretry: {max_attempts: 2, backoff_ms: ["1e9"]}',
      "retry.backoff_ms[0]",
    ],
  ])("Y10: %s → VALIDATION_FAILED", (_name, extra, field, from?: string, to?: string) => {
    const base = from && to ? BASE.replace(from, to) : BASE;
    const error = failure(() => parseTool(`${base}${extra}`, opts));
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(issuesOf(error).map((i) => i.field)).toContain(field);
  });

  it("Y10: version 1.10 gets the quoting fix", () => {
    const error = failure(() =>
      parseTool(`${BASE.replace('version: "1.0.0"', "version: 1.10")}requires: none`, opts),
    );
    expect(issuesOf(error)).toContainEqual(
      expect.objectContaining({ field: "version", fix: 'quote the version: version: "1.0.0"' }),
    );
  });

  it.each([
    ["missing", ""],
    ["an empty list", "requires: []"],
    ["null", "requires:"],
  ])("Y11: requires %s → refused, fail closed, with the fix", (_name, extra) => {
    const error = failure(() => parseTool(`${BASE}${extra}`, opts));
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(issuesOf(error)).toContainEqual(
      expect.objectContaining({
        field: "requires",
        fix: "list the capabilities, e.g. requires: [fs.read], or write requires: none",
      }),
    );
  });

  it.each([
    ["requires_all: [fs.read]", "requires_all", "requires"],
    ['executor: "sh -c"', "executor", "executor_id"],
    ["stream: {enabled: true}", "stream", "config"],
    ["Requires: none", "Requires", "requires"],
  ])("Y12: an unknown key (%s) is refused, never ignored", (extra, field, hint) => {
    const error = failure(() => parseTool(`${BASE}requires: none\n${extra}`, opts));
    expect(error.code).toBe("VALIDATION_FAILED");
    const found = issuesOf(error).find((i) => i.field === field);
    expect(found?.fix).toContain(hint);
  });

  it("Y12: unknown keys inside parameters and retry are refused too", () => {
    const yaml = `${BASE}requires: none\nretry: {max_attempts: 2, jitter: true}\nparameters:\n  - {name: a, type: string, requried: true}`;
    const fields = issuesOf(failure(() => parseTool(yaml, opts))).map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(["retry.jitter", "parameters[0].requried"]));
  });
});
