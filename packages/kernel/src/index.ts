// Public API of @kiwi/kernel, listed by name on purpose (no `export *`): what is not here is internal.

export type { Kernel, KernelOptions } from "./create-kernel";
export { createKernel } from "./create-kernel";
export type { Issue } from "./diagnostics";
export { formatIssue } from "./diagnostics";
export type { KernelSession, KernelSessionOptions, SessionCallRecord } from "./host/kernel-session";
export { deniedGrant } from "./host/kernel-session";
export type { ItemRef } from "./items/item-ref";
export { parseItemRef } from "./items/item-ref";
export type { ItemType } from "./items/item-type";
export { ITEM_EXTENSIONS, ITEM_FOLDERS, ITEM_TYPES } from "./items/item-type";
export type { CallOptions, KernelMetaTools, MetaResult } from "./kernel-types";
export type { EntryStatus, LibraryEntry } from "./library/library";
export { entryProblem, entryStatus, entryToolType } from "./library/library";
export type { Limits } from "./limits";
export { DEFAULT_LIMITS } from "./limits";
export type { ExecuteInput, HelpInput, LoadInput, SearchInput } from "./meta/inputs";
export {
  EXECUTE_ACTIONS,
  executeInput,
  executeInputShape,
  HELP_ACTIONS,
  helpInput,
  helpInputShape,
  loadInput,
  loadInputShape,
  SPACE_SOURCES,
  searchInput,
  searchInputShape,
} from "./meta/inputs";
export type { DirectiveRunResult } from "./meta/run-directive";
export { spawnRequirementsMissing } from "./meta/run-directive";
export type { Directive } from "./parse/directive-parser";
export type { KnowledgeEntry } from "./parse/knowledge-parser";
export type { ToolDefinition } from "./parse/tool-parser";
export { HARNESS_KIND, PROVIDER_KIND, SINK_KIND } from "./plugins/plugin-kinds";
export type { PluginDeclaration, PluginKind } from "./plugins/plugin-loader";
export { PluginLoader } from "./plugins/plugin-loader";
export { directiveSchema } from "./schema/directive-schema";
export { generateJsonSchemas } from "./schema/json-schemas";
export { knowledgeFrontMatterSchema } from "./schema/knowledge-schema";
export { toolSchema } from "./schema/tool-schema";
export { createDirectoryRegistry, createDirectorySpace } from "./spaces/directory-space";
export type { ItemFile, ItemSource, RegistrySource, SpaceKind } from "./spaces/item-source";
export type { PluginSpaceProblem } from "./spaces/plugin-spaces";
