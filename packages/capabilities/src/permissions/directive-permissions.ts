/**
 * The permissions of a parsed directive, structurally (the kernel's `Directive["metadata"]["permissions"]`):
 * declared here so this package does not depend on the kernel.
 */
export interface PermissionTag {
  readonly verb: "read" | "write" | "delete" | "execute";
  readonly resource: string;
  readonly path?: string;
  readonly id?: string;
  readonly action?: string;
  readonly host?: string;
}

export interface CategoryRules {
  readonly allow_categories: readonly string[];
  readonly deny_categories: readonly string[];
}

export interface DirectivePermissions {
  readonly grants: readonly PermissionTag[];
  readonly orchestration?: CategoryRules & {
    readonly enabled: boolean;
    readonly allow_directives: readonly string[];
    readonly deny_directives: readonly string[];
  };
  readonly knowledge?: CategoryRules;
  readonly directives?: CategoryRules;
}
