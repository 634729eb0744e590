// Public API of @kiwi/sinks, listed by name on purpose (no `export *`): what is not here is internal.

export type { FileSink, FileSinkOptions } from "./file-sink";
export { createFileSink } from "./file-sink";
export type { FileSinkSettings, ResolvedFileSinkSettings } from "./file-sink-settings";
export { fileSinkSettingsSchema } from "./file-sink-settings";
export type { NullSink } from "./null-sink";
export { createNullSink, nullSinkSettingsSchema } from "./null-sink";
export type { ResolvedSinkPath } from "./resolve-sink-path";
export { resolveSinkPath } from "./resolve-sink-path";
export { SinkErrorCode } from "./sink-errors";
