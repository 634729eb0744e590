/** What narrows a grant of a capability. */
export type ScopeKind = "none" | "path" | "tool_id" | "category" | "orchestration" | "host";

/** A capability as declared by a capability set (`.ai/tools/capabilities/*.yaml`). */
export interface CapabilityDefinition {
  readonly name: string;
  readonly description: string;
  /** Only core directives (bundled and core-signed) may grant it. */
  readonly system_only: boolean;
  readonly scope: ScopeKind;
  /** A grant must carry a scope. */
  readonly scope_required: boolean;
}

/**
 * Capabilities that are system-only whatever any definition says. A capability set can add system-only
 * capabilities but never take one of these away: dropping a YAML file must not unlock the registry.
 */
export const SYSTEM_FLOOR: readonly string[] = [
  "registry.read",
  "registry.write",
  "spawn.thread",
  "thread.control",
  "extractor.modify",
  "fs.absolute",
  "item.sign",
];
