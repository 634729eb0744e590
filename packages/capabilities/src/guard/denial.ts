import { KiwiError } from "@kiwi/spec";

/** The permission tag a directive would add to hold a capability (scoped to what was asked). */
export function suggestionFor(cap: string, scope?: string): string {
  const [resource, action] = [cap.slice(0, cap.indexOf(".")), cap.slice(cap.indexOf(".") + 1)];
  switch (cap) {
    case "fs.read":
    case "fs.write":
    case "fs.delete": {
      const dir = scope?.includes("/") ? `${scope.slice(0, scope.lastIndexOf("/"))}/**` : (scope ?? "**");
      return `add <${action} resource="filesystem" path="${dir}"/> to the directive's permissions`;
    }
    case "tool.execute":
      return `add <execute resource="tool" id="${scope ?? "<tool id>"}"/> to the directive's permissions`;
    case "net.http":
      return `add <read resource="net" host="${scope ?? "<host>"}"/> to the directive's permissions`;
    case "mcp.connect":
      return `add <execute resource="mcp" id="${scope ?? "<server>"}"/> to the directive's permissions`;
    default:
      if (resource === "kiwi")
        return `add <execute resource="kiwi-mcp" action="${action}"/> to the directive's permissions`;
      return `add <execute resource="${resource}" action="${action}"/> to the directive's permissions`;
  }
}

/**
 * CAPABILITY_DENIED naming what was required and, for that same capability only, the scopes the token
 * does hold (never the whole list of grants: a prompt-injected model learns nothing else).
 */
export function capabilityDenied(options: {
  cap: string;
  scope?: string;
  held: readonly string[];
  system: boolean;
}): KiwiError {
  const { cap, scope, held, system } = options;
  const required = scope === undefined ? cap : `${cap} ${scope}`;
  const reason = held.length ? "scope_denied" : "cap_missing";
  const suggestion = system
    ? `${cap} is a system capability: only core directives (bundled and core-signed) hold it`
    : suggestionFor(cap, scope);
  return new KiwiError({
    code: "CAPABILITY_DENIED",
    message: held.length
      ? `${required} is outside this thread's ${cap} scope: ${suggestion}`
      : `this thread does not hold ${cap}: ${suggestion}`,
    context: { reason, required, ...(held.length ? { granted: [...held] } : {}), suggestion },
  });
}
