import { KiwiError } from "@kiwi/spec";
import type { ToolDefinition } from "../parse/tool-parser";
import type { ParamDef } from "./params";
import { compileConfig, mergeConfig, type TemplateRef, TemplateString } from "./template";

export interface ChainLink {
  readonly id: string;
  readonly def: ToolDefinition;
  /** Display path of the definition (`project:tools/llm/x.yaml`). */
  readonly label: string;
}

export type LinkLookup = (id: string) => ChainLink | KiwiError | undefined;

export interface PreparedChain {
  /** Every id, head first, the primitive last. */
  readonly ids: readonly string[];
  readonly links: readonly ChainLink[];
  readonly primitive: string;
  /** Declared parameters merged down the chain; a child's declaration of a name wins. */
  readonly parameters: readonly ParamDef[];
  /** Union of `requires` across the chain. */
  readonly requires: readonly string[];
  /** Config merged parent-first (child overrides), templates compiled but not rendered. */
  readonly config: Record<string, unknown>;
  /** True when `${ENV}` feeds a header or auth value: the request must not leave its configured host. */
  readonly carriesSecret: boolean;
}

interface FailedAt {
  tool_id: string;
  config_path: string;
  validation_errors: unknown[];
}

export function chainError(options: {
  chain: readonly string[];
  failedAt: FailedAt;
  message: string;
  cause?: unknown;
}): KiwiError {
  const { chain, failedAt, message, cause } = options;
  const causeInfo = KiwiError.isInstance(cause)
    ? { code: cause.code, message: cause.message }
    : cause instanceof Error
      ? { message: cause.message }
      : undefined;
  return new KiwiError({
    code: "TOOL_CHAIN_FAILED",
    message: `tool chain ${chain.join(" → ")} failed at ${failedAt.tool_id}${failedAt.config_path ? ` (${failedAt.config_path})` : ""}: ${message}`,
    context: { chain: [...chain], failed_at: failedAt, ...(causeInfo ? { cause: causeInfo } : {}) },
    cause,
  });
}

/** Follows `executor_id` from the head to a registered primitive. Cycles and missing links fail here. */
export function resolveChain(options: {
  headId: string;
  lookup: LinkLookup;
  isPrimitive: (id: string) => boolean;
  maxLength?: number;
}): { links: ChainLink[]; primitive: string } {
  const { headId, lookup, isPrimitive, maxLength = 16 } = options;
  const links: ChainLink[] = [];
  const seen = new Set<string>();
  let id = headId;
  for (;;) {
    const chain = [...links.map((l) => l.id), id];
    if (seen.has(id)) {
      throw chainError({
        chain,
        failedAt: { tool_id: id, config_path: "executor_id", validation_errors: [] },
        message: `cycle: ${id} is already in the chain`,
      });
    }
    if (links.length >= maxLength) {
      throw chainError({
        chain,
        failedAt: { tool_id: id, config_path: "executor_id", validation_errors: [] },
        message: `chain longer than ${maxLength} links`,
      });
    }
    seen.add(id);
    const found = lookup(id);
    if (found === undefined) {
      const parent = links.at(-1);
      throw chainError({
        chain,
        failedAt: {
          tool_id: parent?.id ?? id,
          config_path: parent ? "executor_id" : "",
          validation_errors: [],
        },
        message: parent
          ? `executor '${id}' is neither a tool nor a registered primitive: fix executor_id in ${parent.label} or add the tool`
          : `tool '${id}' not found`,
      });
    }
    if (KiwiError.isInstance(found)) {
      throw chainError({
        chain,
        failedAt: {
          tool_id: id,
          config_path: "",
          validation_errors: (found.context.issues as unknown[]) ?? [found.message],
        },
        message: found.message,
        cause: found,
      });
    }
    links.push(found);
    const next = found.def.executor_id;
    if (!next) {
      throw chainError({
        chain,
        failedAt: { tool_id: id, config_path: "executor_id", validation_errors: [] },
        message: `${found.label} has no executor_id (code-bearing tools with a module are loaded as plugins, not run)`,
      });
    }
    if (isPrimitive(next)) return { links, primitive: next };
    id = next;
  }
}

function checkRefs(
  kind: "env" | "param",
  refs: TemplateRef[],
  allowed: Set<string>,
  link: ChainLink,
  ids: string[],
) {
  for (const ref of refs) {
    if (allowed.has(ref.name)) continue;
    const env = kind === "env";
    throw new KiwiError({
      code: "TOOL_CHAIN_FAILED",
      message: env
        ? `${link.label}: config.${ref.path} reads \${${ref.name}} but the tool does not declare it: add ${ref.name} to env: [...] in ${link.label}`
        : `${link.label}: config.${ref.path} uses {${ref.name}} but no tool in the chain declares a parameter '${ref.name}': declare it under parameters or write {{${ref.name}}} for literal braces`,
      context: {
        chain: ids,
        failed_at: {
          tool_id: link.id,
          config_path: `config.${ref.path}`,
          validation_errors: [{ code: env ? "SECRET_NOT_ALLOWED" : "TEMPLATE_UNKNOWN_VAR", name: ref.name }],
        },
        cause: {
          code: env ? "SECRET_NOT_ALLOWED" : "TEMPLATE_UNKNOWN_VAR",
          message: env
            ? `\${${ref.name}} is not declared in env`
            : `{${ref.name}} is not a declared parameter`,
        },
      },
    });
  }
}

/**
 * A `{param}` may fill a URL's path, query or fragment, never its scheme or host (battery E5): the text
 * before the placeholder must already contain `scheme://authority/`. An `${ENV}` at the start stands for
 * a scheme and host (static configuration, not model input) that still needs its `/`, `?` or `#`:
 * `${BASE}{p}` would let the parameter extend the host name (issue 13), `${BASE}/{p}` cannot.
 */
function checkUrlOrigin(url: unknown, head: ChainLink, ids: string[]): void {
  if (!(url instanceof TemplateString)) return;
  let prefix = "";
  for (const seg of url.segments) {
    if (seg.kind === "text") prefix += seg.value;
    else if (seg.kind === "env") prefix += prefix === "" ? "https://env.invalid" : "env";
    else if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*[/?#]/i.test(prefix)) {
      throw new KiwiError({
        code: "TOOL_CHAIN_FAILED",
        message: `tool ${head.id}: config.url puts {${seg.name}} in the scheme or host (${url.source}): parameters may only fill the path, query or fragment; make the host static or an \${ENV} setting`,
        context: {
          chain: ids,
          failed_at: {
            tool_id: head.id,
            config_path: "config.url",
            validation_errors: [{ code: "TEMPLATE_HOST_PARAM", name: seg.name }],
          },
          cause: { code: "TEMPLATE_HOST_PARAM", message: `{${seg.name}} in the URL's origin` },
        },
      });
    }
  }
}

/** Every compiled string still in a merged config (the ones a child did not override). */
function templatesIn(value: unknown, out = new Set<TemplateString>()): Set<TemplateString> {
  if (value instanceof TemplateString) out.add(value);
  else if (Array.isArray(value)) for (const v of value) templatesIn(v, out);
  else if (typeof value === "object" && value !== null)
    for (const v of Object.values(value)) templatesIn(v, out);
  return out;
}

/**
 * A secret declared by one link goes only to the host that link configures, or inherits from the tools it
 * chains to (issue 13): a tool that chains onto a secret-bearing tool and sets its own `url` would send
 * that tool's `${ENV}` values (an `x-api-key`) to a host of its choosing. Such a chain fails at load with
 * SECRET_HOST_MISMATCH. Values under `stream.destinations` go to their sink's own address, not the url.
 */
function checkSecretHost(
  uses: readonly { ref: TemplateRef; link: ChainLink; depth: number }[],
  urlOwner: { link: ChainLink; depth: number } | undefined,
  config: Record<string, unknown>,
  ids: string[],
): void {
  if (!urlOwner) return;
  const live = templatesIn(config);
  for (const { ref, link, depth } of uses) {
    if (depth <= urlOwner.depth || !live.has(ref.template)) continue;
    if (ref.path === "url" || /^stream\.destinations(\.|\[|$)/.test(ref.path)) continue;
    const owner = urlOwner.link;
    throw new KiwiError({
      code: "TOOL_CHAIN_FAILED",
      message: `${owner.label}: config.url sends the request to a host of its own, but ${link.label} (which it chains to) puts \${${ref.name}} into config.${ref.path}: a secret goes only to the host the tool that declares it configures. Remove url from ${owner.label} (to reach another server, set the variable ${link.label}'s own url reads, such as its *_BASE_URL, in your environment), or declare ${ref.name} under env: in ${owner.label} and set config.${ref.path} there too`,
      context: {
        chain: ids,
        failed_at: {
          tool_id: owner.id,
          config_path: "config.url",
          validation_errors: [
            {
              code: "SECRET_HOST_MISMATCH",
              name: ref.name,
              declared_by: link.id,
              config_path: `config.${ref.path}`,
            },
          ],
        },
        cause: {
          code: "SECRET_HOST_MISMATCH",
          message: `\${${ref.name}} of ${link.id} would go to the url ${owner.id} sets`,
        },
      },
    });
  }
}

/** Merges parameters and config down a resolved chain and checks every template reference. */
export function prepareChain(links: readonly ChainLink[], primitive: string): PreparedChain {
  const ids = [...links.map((l) => l.id), primitive];
  const params = new Map<string, ParamDef>();
  const requires = new Set<string>();
  let config: Record<string, unknown> = {};
  const paramRefs: { refs: TemplateRef[]; link: ChainLink }[] = [];
  const envUses: { ref: TemplateRef; link: ChainLink; depth: number }[] = [];
  let urlOwner: { link: ChainLink; depth: number } | undefined;
  // Walk from the primitive's side up to the head so the child (closer to the head) overrides.
  for (let depth = links.length - 1; depth >= 0; depth--) {
    const link = links[depth]!;
    const compiled = compileConfig(link.def.config ?? {});
    checkRefs("env", compiled.envRefs, new Set(link.def.env ?? []), link, ids);
    paramRefs.push({ refs: compiled.paramRefs, link });
    for (const ref of compiled.envRefs) envUses.push({ ref, link, depth });
    if (Object.hasOwn(compiled.value, "url")) urlOwner = { link, depth };
    config = mergeConfig(config, compiled.value);
    for (const p of link.def.parameters ?? []) params.set(p.name, p as ParamDef);
    if (Array.isArray(link.def.requires)) for (const r of link.def.requires) requires.add(r);
  }
  const names = new Set(params.keys());
  for (const { refs, link } of paramRefs) checkRefs("param", refs, names, link, ids);
  checkUrlOrigin(config.url, links[0]!, ids);
  checkSecretHost(envUses, urlOwner, config, ids);
  return {
    ids,
    links,
    primitive,
    parameters: [...params.values()],
    requires: [...requires].sort(),
    config,
    carriesSecret: envUses.some(({ ref }) => /^(headers|auth)(\.|\[|$)/.test(ref.path)),
  };
}
