import { KiwiError } from "@kiwi/spec";
import type { CapabilityRegistry } from "../definitions/capability-registry";
import { validatePattern } from "../glob/validate-pattern";
import type { Grant } from "../grant";
import type { DirectivePermissions, PermissionTag } from "./directive-permissions";
import { mcpServerId } from "./mcp-server-id";

const KIWI_ACTIONS = ["search", "load", "execute", "help"] as const;
const FS_VERBS: Record<string, string> = { read: "fs.read", write: "fs.write", delete: "fs.delete" };

function refuse(tag: PermissionTag, message: string, code = "CAPABILITY_UNKNOWN"): KiwiError {
  const attrs = ["path", "id", "action", "host"]
    .filter((k) => tag[k as keyof PermissionTag] !== undefined)
    .map((k) => `${k}="${String(tag[k as keyof PermissionTag])}"`)
    .join(" ");
  return new KiwiError({
    code,
    message: `<${tag.verb} resource="${tag.resource}" ${attrs}/>: ${message}`,
    context: { permission: tag },
  });
}

function tagToGrants(tag: PermissionTag, options: { allowOmnibus: boolean }): Grant[] {
  switch (tag.resource) {
    case "filesystem": {
      const cap = FS_VERBS[tag.verb];
      if (!cap) throw refuse(tag, "filesystem permissions are read, write or delete");
      return [{ cap, scope: validatePattern(tag.path ?? "", "path") }];
    }
    case "tool":
      if (tag.verb !== "execute")
        throw refuse(tag, 'tools are granted with <execute resource="tool" id="…"/>');
      return [
        {
          cap: "tool.execute",
          scope: validatePattern(tag.id ?? "", "tool_id", { allowOmnibus: options.allowOmnibus }),
        },
      ];
    case "kiwi-mcp": {
      const action = tag.action ?? "";
      if (action === "*") return KIWI_ACTIONS.map((a) => ({ cap: `kiwi.${a}` }));
      if (!(KIWI_ACTIONS as readonly string[]).includes(action)) {
        throw refuse(tag, `kiwi-mcp actions are ${KIWI_ACTIONS.join(", ")} or *`);
      }
      return [{ cap: `kiwi.${action}` }];
    }
    case "net":
      return [{ cap: "net.http", scope: tag.host ?? "" }];
    case "mcp":
      // `id` names one approved server (or a pattern of them); without it the grant covers every server.
      return tag.id === undefined
        ? [{ cap: "mcp.connect" }]
        : [{ cap: "mcp.connect", scope: validatePattern(mcpServerId(tag.id), "tool_id", options) }];
    default: {
      // registry, spawn, fs, thread, extractor, item, process: <execute resource="X" action="Y"/> → X.Y
      const action = tag.action ?? "";
      if (!/^[a-z][a-z0-9_-]*$/.test(action)) throw refuse(tag, "the action must be a plain name");
      return [{ cap: `${tag.resource}.${action}` }];
    }
  }
}

/**
 * Turns a directive's permissions into grants: filesystem → fs.read/write/delete with a path scope, tool
 * → tool.execute with a tool-id scope, kiwi-mcp → kiwi.<action>, registry/spawn/fs/thread/extractor/item/
 * process → <resource>.<action>, net → net.http with a host scope, mcp → mcp.connect (scoped to a server
 * when the tag names one); orchestration, knowledge and directive
 * rules become structured scopes. Every capability must be defined in the registry (CAPABILITY_UNKNOWN),
 * scopes must be valid patterns, and `scope_required` capabilities need one.
 */
export function permissionsToGrants(
  permissions: DirectivePermissions,
  options: {
    registry: CapabilityRegistry;
    core: boolean;
    /** Refuse capabilities no capability set defines (default true; signing only checks system caps). */
    requireKnown?: boolean;
  },
): Grant[] {
  const grants: Grant[] = [];
  for (const tag of permissions.grants) grants.push(...tagToGrants(tag, { allowOmnibus: options.core }));
  if (permissions.orchestration?.enabled) {
    const { allow_categories, deny_categories, allow_directives, deny_directives } =
      permissions.orchestration;
    grants.push({
      cap: "orchestration.spawn",
      scope: { enabled: true, allow_categories, deny_categories, allow_directives, deny_directives },
    });
  }
  if (permissions.knowledge) grants.push({ cap: "knowledge.read", scope: permissions.knowledge });
  if (permissions.directives) grants.push({ cap: "directive.read", scope: permissions.directives });
  if (options.requireKnown === false) return grants;
  for (const g of grants) {
    const def = options.registry.get(g.cap);
    if (!def) {
      throw new KiwiError({
        code: "CAPABILITY_UNKNOWN",
        message: `unknown capability ${g.cap}: no capability set defines it (add one under .ai/tools/capabilities/, or fix the permission)`,
        context: { capability: g.cap },
      });
    }
    if (def.scope_required && (g.scope === undefined || g.scope === "")) {
      throw new KiwiError({
        code: "VALIDATION_FAILED",
        message: `${g.cap} needs a scope`,
        context: { capability: g.cap },
      });
    }
  }
  return grants;
}

/** The system-only capabilities among grants: a non-core directive holding any is refused. */
export function systemCapsIn(grants: readonly Grant[], registry: CapabilityRegistry): string[] {
  return [...new Set(grants.filter((g) => registry.isSystemOnly(g.cap)).map((g) => g.cap))].sort();
}

/** Throws DIRECTIVE_SYSTEM_CAP when a non-core directive grants a system-only capability. */
export function assertNoSystemCaps(
  grants: readonly Grant[],
  options: { registry: CapabilityRegistry; core: boolean; directive: string },
) {
  if (options.core) return;
  const found = systemCapsIn(grants, options.registry);
  if (found.length) {
    throw new KiwiError({
      code: "DIRECTIVE_SYSTEM_CAP",
      message: `directive ${options.directive} grants system-only ${found.join(", ")}: only core directives (bundled and signed by the Kiwi core key) may; remove them, or spawn through a core directive such as thread_directive`,
      context: { directive: options.directive, capabilities: found },
    });
  }
}

/**
 * What a thread of a directive may be minted with: every grant for a core directive (bundled with Kiwi
 * and signed by the core key, decided by the caller from location and signer), the grants without any
 * system-only capability for every other — also one signed by a key the person trusts, which signing's
 * DIRECTIVE_SYSTEM_CAP check never saw. `dropped` names what was left out.
 */
export function dropSystemCaps(
  grants: readonly Grant[],
  options: { registry: CapabilityRegistry; core: boolean },
): { grants: Grant[]; dropped: string[] } {
  if (options.core) return { grants: [...grants], dropped: [] };
  return {
    grants: grants.filter((g) => !options.registry.isSystemOnly(g.cap)),
    dropped: systemCapsIn(grants, options.registry),
  };
}
