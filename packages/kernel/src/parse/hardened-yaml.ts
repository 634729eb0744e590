import { Composer, type CST, LineCounter, Parser, type YAMLError } from "yaml";
import { parseFailure } from "./parse-failure";
import { prescanYamlDepth } from "./yaml-depth-prescan";
import { checkYamlKeys } from "./yaml-key-rules";
import { checkYamlTokens } from "./yaml-token-rules";

export interface ParseYamlStrictOptions {
  file: string;
  /** Deepest collection nesting accepted (a top-level mapping is depth 1). */
  maxDepth: number;
  /** Prepended to field paths in errors, e.g. "front_matter." (include the separator). */
  fieldPrefix?: string;
  /** Lines before the YAML text in its file (front matter starts after `---`), added to reported lines. */
  lineOffset?: number;
}

// strict + uniqueKeys are the defaults, written out so a library default change cannot loosen them.
const COMPOSE_OPTIONS = { strict: true, uniqueKeys: true, schema: "core", prettyErrors: true } as const;

/**
 * Parses one untrusted YAML document (a tool definition, knowledge front matter) under Kiwi's rules:
 * exactly one document, YAML 1.2 core schema (`yes` stays a string), no anchors, aliases, tags, merge
 * keys or directives, unique keys, no prototype-related keys, bounded depth. Every rule has its own
 * error code so callers and tests can tell the attacks apart. Returns `null` for an empty document.
 */
export function parseYamlStrict(text: string, opts: ParseYamlStrictOptions): unknown {
  const { file, maxDepth } = opts;
  const prefix = opts.fieldPrefix ?? "";
  const lineOffset = opts.lineOffset ?? 0;
  const lines = new LineCounter();
  const at = (offset: number) => {
    const pos = lines.linePos(offset);
    return { line: pos.line + lineOffset, column: pos.col };
  };

  const deep = prescanYamlDepth(text, maxDepth);
  if (deep) {
    const what = deep.kind === "flow" ? "brackets ([ or {)" : "list/key indicators (- or ?)";
    throw parseFailure("PARSE_DEPTH", {
      file,
      line: deep.line + lineOffset,
      column: deep.column,
      message: `nesting of ${what} is deeper than ${maxDepth} levels; flatten the data`,
    });
  }

  const tokens: CST.Token[] = Array.from(new Parser(lines.addNewLine).parse(text));
  const violation = checkYamlTokens(tokens, maxDepth);
  if (violation)
    throw parseFailure(violation.code, { file, ...at(violation.offset), message: violation.message });

  const docs = Array.from(new Composer(COMPOSE_OPTIONS).compose(tokens, true, text.length));
  const doc = docs[0];
  if (!doc) return null; // unreachable: compose(…, forceDoc = true) always yields a document
  const problem: YAMLError | undefined = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    if (problem.code === "DUPLICATE_KEY") {
      const message = "a key appears twice in the same mapping; keep one";
      throw parseFailure("PARSE_DUPLICATE_KEY", { file, ...at(problem.pos[0]), message });
    }
    // yaml may append its own position and a source excerpt to the message; keep only the sentence.
    const sentence =
      problem.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "") ?? "invalid YAML";
    throw parseFailure("PARSE_ERROR", {
      file,
      ...at(problem.pos[0]),
      message: `${sentence}; fix the YAML syntax`,
    });
  }

  const keyViolation = checkYamlKeys(doc.contents);
  if (keyViolation) {
    const field = keyViolation.field ? `${prefix}${keyViolation.field}` : prefix.replace(/\.$/, "");
    const message = field ? `${field}: ${keyViolation.message}` : keyViolation.message;
    throw parseFailure(keyViolation.code, { file, ...at(keyViolation.offset), field, message });
  }
  // maxAliasCount 0 is a second lock: aliases were refused above, this refuses any that slipped through.
  return doc.toJS({ maxAliasCount: 0 });
}
