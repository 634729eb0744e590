import { KiwiError } from "@kiwi/spec";
import type { EnvLookup } from "../settings";

/**
 * Templating of tool config. A string is split ONCE into literal text, `${ENV}` / `${ENV:-default}`
 * references and `{param}` placeholders; values are then inserted into the segments and never scanned
 * again, so a parameter holding "${SECRET}" or "{other}" stays literal. `{{` and `}}` write braces.
 */
export type Segment =
  | { readonly kind: "text"; readonly value: string }
  | { readonly kind: "env"; readonly name: string; readonly fallback?: string }
  | { readonly kind: "param"; readonly name: string };

/** A config string that contains at least one reference. Treated as a leaf by merges. */
export class TemplateString {
  constructor(
    readonly segments: readonly Segment[],
    readonly source: string,
  ) {}
}

const ENV = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/;
const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/;

export function parseTemplate(source: string): Segment[] {
  const segments: Segment[] = [];
  let text = "";
  let i = 0;
  const flush = () => {
    if (text) segments.push({ kind: "text", value: text });
    text = "";
  };
  while (i < source.length) {
    const rest = source.slice(i);
    if (rest.startsWith("{{") || rest.startsWith("}}")) {
      text += rest[0];
      i += 2;
      continue;
    }
    const env = rest.startsWith("${") ? ENV.exec(rest) : null;
    if (env) {
      flush();
      segments.push(
        env[2] === undefined
          ? { kind: "env", name: env[1]! }
          : { kind: "env", name: env[1]!, fallback: env[2] },
      );
      i += env[0].length;
      continue;
    }
    const param = rest.startsWith("{") ? PARAM.exec(rest) : null;
    if (param) {
      flush();
      segments.push({ kind: "param", name: param[1]! });
      i += param[0].length;
      continue;
    }
    text += source[i];
    i += 1;
  }
  flush();
  return segments;
}

export interface TemplateRef {
  readonly name: string;
  /** Dotted path inside config: `headers.x-api-key`, `body.messages`. */
  readonly path: string;
  /** The compiled string that holds the reference (merges keep it by identity). */
  readonly template: TemplateString;
}

export interface CompiledConfig {
  readonly value: Record<string, unknown>;
  readonly envRefs: TemplateRef[];
  readonly paramRefs: TemplateRef[];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Replaces every templated string in a config by a TemplateString and lists what it references. */
export function compileConfig(config: Record<string, unknown>): CompiledConfig {
  const envRefs: TemplateRef[] = [];
  const paramRefs: TemplateRef[] = [];
  const walk = (value: unknown, path: string): unknown => {
    if (typeof value === "string") {
      const segments = parseTemplate(value);
      if (segments.every((s) => s.kind === "text"))
        return segments.map((s) => (s as { value: string }).value).join("");
      const template = new TemplateString(segments, value);
      for (const s of segments) {
        if (s.kind === "env") envRefs.push({ name: s.name, path, template });
        if (s.kind === "param") paramRefs.push({ name: s.name, path, template });
      }
      return template;
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, `${path}[${i}]`));
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (k === "__proto__" || k === "constructor" || k === "prototype") continue;
        out[k] = walk(v, path ? `${path}.${k}` : k);
      }
      return out;
    }
    return value;
  };
  return { value: walk(config, "") as Record<string, unknown>, envRefs, paramRefs };
}

function stringify(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Where a value comes from, as far as the person's trust goes. */
type Origin = "environment" | "dotenv" | "default" | "param" | "text";

/** A piece of the rendered URL and where it came from. */
interface UrlPiece {
  readonly origin: Origin;
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

/** A `${ENV}` value from the person's environment that went into the request (not into the URL's host). */
interface PersonValue {
  readonly name: string;
  readonly path: string;
  readonly start?: number;
}

/**
 * Where the scheme, host and port of a URL end: at the first `/`, `?`, `#` or backslash after the scheme
 * and its slashes (how WHATWG URL parsing reads http and https, where a backslash counts as a slash). A string
 * without a scheme is all origin, as far as this check goes.
 */
export function originEnd(url: string): number {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(url);
  if (!scheme) return url.length;
  let i = scheme[0].length;
  while (url[i] === "/" || url[i] === "\\") i += 1;
  for (; i < url.length; i++) {
    const c = url[i];
    if (c === "/" || c === "?" || c === "#" || c === "\\") return i;
  }
  return url.length;
}

/**
 * The rules of a rendered URL (issue 13): a parameter never reaches its scheme, host or port, and a host
 * chosen by the project's `.env` never receives a value from the person's environment.
 */
function checkUrl(options: {
  url: string;
  pieces: readonly UrlPiece[];
  person: readonly PersonValue[];
  toolId: string;
}): void {
  const { url, pieces, person, toolId } = options;
  const end = originEnd(url);
  const inOrigin = pieces.filter((p) => p.start < end);
  const param = inOrigin.find((p) => p.origin === "param");
  if (param) {
    throw new KiwiError({
      code: "TEMPLATE_HOST_PARAM",
      message: `tool ${toolId}: parameter '${param.name}' would become part of the URL's scheme, host or port: parameters may only fill the path, query or fragment; put a / (or ? or #) between the host and {${param.name}}`,
      context: { tool_id: toolId, config_path: "url", parameter: param.name },
    });
  }
  const fromFile = inOrigin.find((p) => p.origin === "dotenv");
  if (!fromFile) return;
  // What the person's environment put into the request, outside the host it shares the URL with.
  const carried = person.filter((v) => v.path !== "url" || (v.start ?? 0) >= end);
  if (carried.length === 0) return;
  const names = [...new Set(carried.map((v) => v.name))];
  throw new KiwiError({
    code: "SECRET_HOST_UNTRUSTED",
    message: `tool ${toolId}: the request's host comes from ${fromFile.name} in the project's .env, and it would carry ${names.join(", ")} from your environment. A file that a thread or a cloned repository can write never chooses where your secrets go: set ${fromFile.name} in your environment instead (or remove it from .env to use the tool's default)`,
    context: { tool_id: toolId, config_path: "url", variable: fromFile.name, carries: names },
  });
}

/**
 * Renders a compiled config: env references from `env` (never from params), then params. A string that
 * is exactly one `{param}` takes the parameter's value with its JSON type (arrays stay arrays); an
 * absent optional parameter there removes the key. Inside a longer string a missing parameter is an error.
 * The top-level `url` is then checked: no parameter in its origin (TEMPLATE_HOST_PARAM), and no origin
 * from `.env` while a value from the person's environment is in the request (SECRET_HOST_UNTRUSTED).
 */
export function renderConfig(options: {
  config: Record<string, unknown>;
  params: Readonly<Record<string, unknown>>;
  env: EnvLookup;
  toolId: string;
}): Record<string, unknown> {
  const { params, env, toolId } = options;
  const OMIT = Symbol("omit");
  const pieces: UrlPiece[] = [];
  const person: PersonValue[] = [];
  const render = (value: unknown, path: string): unknown => {
    if (value instanceof TemplateString) {
      const segs = value.segments;
      if (segs.length === 1 && segs[0]!.kind === "param") {
        const v = params[segs[0]!.name];
        if (path === "url") pieces.push({ origin: "param", name: segs[0]!.name, start: 0, end: 1 });
        return v === undefined ? OMIT : v;
      }
      let out = "";
      for (const s of segs) {
        const start = out.length;
        let origin: Origin = "text";
        let name = "";
        if (s.kind === "text") out += s.value;
        else if (s.kind === "env") {
          // Shell semantics: `${X:-d}` takes d when X is unset or empty.
          const set = env(s.name);
          const useDefault = s.fallback !== undefined && !set;
          const v = useDefault ? s.fallback : set;
          if (v === undefined) {
            throw new KiwiError({
              code: "ENV_MISSING",
              message: `environment variable ${s.name} is not set (tool ${toolId}, config.${path}): set it in the environment or in the project's .env`,
              context: { tool_id: toolId, config_path: path, variable: s.name },
            });
          }
          origin = useDefault ? "default" : (env.sourceOf?.(s.name) ?? "environment");
          name = s.name;
          if (origin === "environment" && v !== "") person.push({ name, path, start });
          out += v;
        } else {
          const v = params[s.name];
          if (v === undefined) {
            throw new KiwiError({
              code: "PARAM_MISSING",
              message: `parameter '${s.name}' is needed by config.${path} of tool ${toolId}: pass it in parameters`,
              context: { tool_id: toolId, config_path: path, parameter: s.name },
            });
          }
          origin = "param";
          name = s.name;
          // In a URL a value is one component: percent-encoded so it cannot add path segments,
          // a query or a fragment (RFC 6570 simple expansion).
          out += path === "url" ? encodeURIComponent(stringify(v)) : stringify(v);
        }
        if (path === "url" && origin !== "text" && out.length > start)
          pieces.push({ origin, name, start, end: out.length });
      }
      return out;
    }
    if (Array.isArray(value))
      return value.map((v, i) => render(v, `${path}[${i}]`)).filter((v) => v !== OMIT);
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const r = render(v, path ? `${path}.${k}` : k);
        if (r !== OMIT) out[k] = r;
      }
      return out;
    }
    return value;
  };
  const rendered = render(options.config, "") as Record<string, unknown>;
  if (typeof rendered.url === "string") checkUrl({ url: rendered.url, pieces, person, toolId });
  return rendered;
}

/** Deep merge, parent first: objects merge key by key, the child's arrays, scalars and templates win. */
export function mergeConfig(
  parent: Record<string, unknown>,
  child: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...parent };
  for (const [k, v] of Object.entries(child)) {
    if (k === "__proto__" || k === "constructor" || k === "prototype") continue;
    const p = out[k];
    out[k] = isPlainObject(p) && isPlainObject(v) ? mergeConfig(p, v) : v;
  }
  return out;
}
