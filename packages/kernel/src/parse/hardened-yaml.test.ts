import { describe, expect, it } from "vitest";
import { failure } from "../test-support/errors";
import { parseYamlStrict } from "./hardened-yaml";

const opts = { file: "tools/x/t.yaml", maxDepth: 8 };

describe("parseYamlStrict", () => {
  it("parses an ordinary mapping into plain objects and arrays", () => {
    const value = parseYamlStrict("a: 1\nb: [x, {c: true}]\nd: |\n  line\n", opts);
    expect(value).toEqual({ a: 1, b: ["x", { c: true }], d: "line\n" });
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it("uses the YAML 1.2 core schema: yes/no/on stay strings, 1.10 is a number, dates stay strings", () => {
    const value = parseYamlStrict("a: yes\nb: no\nc: on\nd: 1.10\ne: 2001-12-14\nf: 0o17\ng: ~", opts);
    expect(value).toEqual({ a: "yes", b: "no", c: "on", d: 1.1, e: "2001-12-14", f: 15, g: null });
  });

  it("returns null for an empty document or one with only comments", () => {
    expect(parseYamlStrict("", opts)).toBeNull();
    expect(parseYamlStrict("# nothing here\n", opts)).toBeNull();
  });

  it("accepts a leading --- and a trailing ... around one document", () => {
    expect(parseYamlStrict("---\na: 1\n...\n", opts)).toEqual({ a: 1 });
  });

  it("accepts nesting exactly at maxDepth and refuses one level more", () => {
    const nested = (levels: number) => `${"[".repeat(levels)}1${"]".repeat(levels)}`;
    expect(parseYamlStrict(`a: ${nested(7)}`, opts)).toBeTruthy(); // mapping + 7 = 8
    expect(failure(() => parseYamlStrict(`a: ${nested(8)}`, opts)).code).toBe("PARSE_DEPTH");
  });

  it("counts block nesting too (indentation, not only brackets)", () => {
    const block = Array.from({ length: 9 }, (_, i) => `${"  ".repeat(i)}k${i}:`).join("\n");
    expect(failure(() => parseYamlStrict(`${block} 1`, opts)).code).toBe("PARSE_DEPTH");
    const ok = Array.from({ length: 8 }, (_, i) => `${"  ".repeat(i)}k${i}:`).join("\n");
    expect(parseYamlStrict(`${ok} 1`, opts)).toBeTruthy();
  });

  it("reports syntax errors as PARSE_ERROR with line and column", () => {
    const error = failure(() => parseYamlStrict("a: 1\nb: [1, 2\nc: 3", opts));
    expect(error.code).toBe("PARSE_ERROR");
    expect(error.context).toMatchObject({
      file: opts.file,
      line: expect.any(Number),
      column: expect.any(Number),
    });
    expect(error.message).toMatch(/^tools\/x\/t\.yaml:\d+:\d+: /);
  });

  it("shifts reported lines by lineOffset and prefixes fields with fieldPrefix", () => {
    const error = failure(() =>
      parseYamlStrict("a: 1\nb:\n  __proto__: 2", { ...opts, lineOffset: 10, fieldPrefix: "front_matter." }),
    );
    expect(error.code).toBe("PARSE_RESERVED_KEY");
    expect(error.context).toMatchObject({ line: 13, field: "front_matter.b.__proto__" });
  });

  it("refuses tabs used as indentation", () => {
    expect(failure(() => parseYamlStrict("a:\n\tb: 1", opts)).code).toBe("PARSE_ERROR");
  });

  it("refuses keys that collapse to the same JavaScript property (1 and '1')", () => {
    expect(failure(() => parseYamlStrict("1: a\n'1': b", opts)).code).toBe("PARSE_DUPLICATE_KEY");
  });

  it("refuses null and collection keys", () => {
    expect(failure(() => parseYamlStrict("? [a, b]\n: 1", opts)).code).toBe("PARSE_UNSUPPORTED");
    expect(failure(() => parseYamlStrict("~: 1", opts)).code).toBe("PARSE_UNSUPPORTED");
  });
});
