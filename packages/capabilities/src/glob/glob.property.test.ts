import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSubPattern } from "./is-sub-pattern";
import { matchPath } from "./match-path";
import { matchToolId } from "./match-tool-id";
import { validatePattern } from "./validate-pattern";

// A small alphabet makes random patterns and paths collide often; `é` arrives decomposed half the time
// to exercise NFC on the path side.
const LITERALS = ["a", "b", ".", "-", "\u00e9"];
const literal = fc.constantFrom(...LITERALS);

/** One segment of the dialect: literals and single `*`s, never `**`, `.` or `..`. */
const segmentPattern = fc
  .array(fc.oneof({ weight: 3, arbitrary: literal }, { weight: 2, arbitrary: fc.constant("*") }), {
    minLength: 1,
    maxLength: 4,
  })
  .map((tokens) => tokens.filter((t, i) => !(t === "*" && tokens[i - 1] === "*")).join(""))
  .filter((s) => s !== "." && s !== "..");

const pathPattern = fc
  .array(fc.oneof({ weight: 3, arbitrary: segmentPattern }, { weight: 1, arbitrary: fc.constant("**") }), {
    maxLength: 5,
  })
  .map((segments) => segments.join("/"));

const randomSegment = fc
  .array(literal, { minLength: 1, maxLength: 3 })
  .map((chars) => chars.join(""))
  .map((s) => (s === "." || s === ".." ? "x" : s));

const randomPath = fc.array(randomSegment, { maxLength: 5 }).map((s) => s.join("/"));

/** A path matched by `pattern` (most of the time): each `*` filled, each `**` expanded. */
function instances(pattern: string): fc.Arbitrary<string> {
  const parts = pattern === "" ? [] : pattern.split("/");
  const pieces = parts.map((part) =>
    part === "**"
      ? fc.array(randomSegment, { maxLength: 2 })
      : fc
          .array(fc.array(literal, { minLength: 1, maxLength: 3 }), {
            minLength: part.split("*").length - 1,
            maxLength: part.split("*").length - 1,
          })
          .map((fills) => {
            const split = part.split("*");
            const s = split
              .map((piece, i) => piece + (i < fills.length ? (fills[i] ?? []).join("") : ""))
              .join("");
            return [s === "." || s === ".." ? "x" : s];
          }),
  );
  return fc.tuple(...pieces).map((groups) => groups.flat().join("/"));
}

const escapeRegex = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");

/** Reference model (tests only): the dialect as an anchored regex over "/seg/seg…" ("" is the root). */
function referenceMatch(pattern: string, relPath: string): boolean {
  const normal = validatePattern(pattern, "path");
  const body = (normal === "" ? [] : normal.split("/"))
    .map((seg) => (seg === "**" ? "(?:/[^/]+)*" : `/${seg.split("*").map(escapeRegex).join("[^/]+")}`))
    .join("");
  const subject = relPath === "" ? "" : `/${relPath.normalize("NFC")}`;
  return new RegExp(`^${body}$`, "u").test(subject);
}

const decomposeSometimes = (path: string, decompose: boolean) => (decompose ? path.normalize("NFD") : path);

/** Child patterns derived from a parent, so that a good share are true sub-patterns. */
function derivedChild(parent: string): fc.Arbitrary<string> {
  const parts = parent === "" ? [] : parent.split("/");
  const mutated = parts.map((part) =>
    part === "**"
      ? fc.oneof(
          fc.constant(["**"]),
          fc.constant([]),
          segmentPattern.map((s) => [s]),
          segmentPattern.map((s) => [s, "**"]),
          segmentPattern.map((s) => ["**", s]),
        )
      : fc.oneof(
          fc.constant([part]),
          literal.map((l) => [part.replace("*", `${l}*`)]),
          fc.array(literal, { minLength: 1, maxLength: 2 }).map((l) => [part.replace("*", l.join(""))]),
          segmentPattern.map((s) => [s]),
        ),
  );
  return fc.tuple(...mutated).map((groups) =>
    groups
      .flat()
      .filter((s) => s !== "." && s !== "..")
      .join("/"),
  );
}

describe("glob properties", () => {
  it("S17: matchPath agrees with a regex reference model on 50 000 random cases", () => {
    const cases = pathPattern.chain((pattern) =>
      fc.tuple(fc.constant(pattern), fc.oneof(instances(pattern), randomPath), fc.boolean()),
    );
    let matched = 0;
    fc.assert(
      fc.property(cases, ([pattern, path, decompose]) => {
        const subject = decomposeSometimes(path, decompose);
        const actual = matchPath(pattern, subject);
        if (actual) matched++;
        expect(actual).toBe(referenceMatch(pattern, subject));
      }),
      { numRuns: 50_000 },
    );
    // The generator must exercise both outcomes, not just "no".
    expect(matched).toBeGreaterThan(10_000);
  });

  it("isSubPattern is sound: child ⊆ parent ⇒ every path the child matches, the parent matches (10 000 pairs × 8 paths)", () => {
    const pairs = pathPattern.chain((parent) =>
      fc.oneof(derivedChild(parent), pathPattern).chain((child) =>
        fc.tuple(
          fc.constant(child),
          fc.constant(parent),
          fc.array(
            fc.oneof({ weight: 4, arbitrary: instances(child) }, { weight: 1, arbitrary: randomPath }),
            {
              minLength: 8,
              maxLength: 8,
            },
          ),
        ),
      ),
    );
    let provenSubsets = 0;
    let exercised = 0;
    fc.assert(
      fc.property(pairs, ([child, parent, paths]) => {
        if (!isSubPattern(child, parent, "path")) return;
        provenSubsets++;
        for (const path of paths) {
          if (matchPath(child, path)) {
            exercised++;
            expect(matchPath(parent, path), `${child} ⊆ ${parent} but ${path}`).toBe(true);
          }
        }
      }),
      { numRuns: 10_000 },
    );
    expect(provenSubsets).toBeGreaterThan(2_000);
    expect(exercised).toBeGreaterThan(10_000);
  });

  it("isSubPattern is reflexive and agrees with its normalisation", () => {
    fc.assert(
      fc.property(pathPattern, (p) => {
        expect(isSubPattern(p, p, "path")).toBe(true);
        expect(isSubPattern(`./${p}/`, p, "path")).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it("isSubPattern is sound for tool ids (10 000 pairs)", () => {
    const idChar = fc.constantFrom("a", "b", "_");
    const toolPattern = fc
      .array(fc.oneof({ weight: 3, arbitrary: idChar }, { weight: 1, arbitrary: fc.constant("*") }), {
        minLength: 1,
        maxLength: 6,
      })
      .map((t) => t.filter((c, i) => !(c === "*" && t[i - 1] === "*")).join(""));
    const ids = fc.array(
      fc.array(idChar, { minLength: 1, maxLength: 8 }).map((c) => c.join("")),
      {
        minLength: 20,
        maxLength: 20,
      },
    );
    let proven = 0;
    fc.assert(
      fc.property(toolPattern, toolPattern, ids, (child, parent, candidates) => {
        if (!isSubPattern(child, parent, "tool_id")) return;
        proven++;
        for (const id of candidates) {
          if (matchToolId(child, id)) expect(matchToolId(parent, id)).toBe(true);
        }
      }),
      { numRuns: 10_000 },
    );
    expect(proven).toBeGreaterThan(500);
  });
});
