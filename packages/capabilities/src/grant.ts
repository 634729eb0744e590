/**
 * A grant is one capability with its scope, as carried in a token's `caps` claim and produced from a
 * directive's permissions. Scope strings use the glob dialect of `glob/` (paths, tool ids, hosts);
 * category and orchestration rules are structured.
 */
export type Grant =
  | { readonly cap: string; readonly scope?: undefined }
  /** fs.read, fs.write, fs.delete: a project-relative path pattern. tool.execute: a tool-id pattern. */
  | { readonly cap: string; readonly scope: string }
  /** knowledge.read, directive.read: categories a thread may see (deny wins). */
  | { readonly cap: string; readonly scope: CategoryScope }
  /** spawn.directive: what a thread may spawn (orchestration policy). */
  | { readonly cap: string; readonly scope: OrchestrationScope };

export interface CategoryScope {
  readonly allow_categories: readonly string[];
  readonly deny_categories: readonly string[];
}

export interface OrchestrationScope extends CategoryScope {
  readonly enabled: boolean;
  readonly allow_directives: readonly string[];
  readonly deny_directives: readonly string[];
}
