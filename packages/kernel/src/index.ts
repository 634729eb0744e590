// Public API of @kiwi/kernel, listed by name on purpose (no `export *`): what is not here is internal.
export { createKernel } from "./create-kernel";
export type { Kernel, KernelOptions } from "./create-kernel";
export type { CallOptions, KernelMetaTools, MetaResult } from "./kernel-types";
export {
  EXECUTE_ACTIONS,
  HELP_ACTIONS,
  SPACE_SOURCES,
  executeInput,
  executeInputShape,
  helpInput,
  helpInputShape,
  loadInput,
  loadInputShape,
  searchInput,
  searchInputShape,
} from "./meta/inputs";
export type { ExecuteInput, HelpInput, LoadInput, SearchInput } from "./meta/inputs";
export { ITEM_EXTENSIONS, ITEM_FOLDERS, ITEM_TYPES } from "./items/item-type";
export type { ItemType } from "./items/item-type";
export { parseItemRef } from "./items/item-ref";
export type { ItemRef } from "./items/item-ref";
export type { Issue } from "./diagnostics";
export { formatIssue } from "./diagnostics";
export { DEFAULT_LIMITS } from "./limits";
export type { Limits } from "./limits";
export type { LibraryEntry } from "./library/library";
export type { ItemFile, ItemSource, RegistrySource, SpaceKind } from "./spaces/item-source";
export { createDirectoryRegistry, createDirectorySpace } from "./spaces/directory-space";
export { PluginLoader } from "./plugins/plugin-loader";
export type { PluginDeclaration, PluginKind } from "./plugins/plugin-loader";
export { createEchoPrimitive } from "./executor/echo-primitive";
export { parseTemplate, renderConfig } from "./executor/template";
export { directiveSchema } from "./schema/directive-schema";
export { toolSchema } from "./schema/tool-schema";
export { knowledgeFrontMatterSchema } from "./schema/knowledge-schema";
export type { Directive } from "./parse/directive-parser";
export type { ToolDefinition } from "./parse/tool-parser";
export type { KnowledgeEntry } from "./parse/knowledge-parser";
export { generateJsonSchemas } from "./schema/json-schemas";
export { spawnRequirementsMissing } from "./meta/run-directive";
