// Public API of @kiwi/sinks/node (the Node-only part: files), listed by name on purpose (no `export *`).

export type { FileSink, FileSinkIo, FileSinkOptions } from "./file-sink";
export { createFileSink } from "./file-sink";
export type { FileSinkSettings, ResolvedFileSinkSettings } from "./file-sink-settings";
export { fileSinkSettingsSchema } from "./file-sink-settings";
export type { ResolvedSinkPath } from "./resolve-sink-path";
export { resolveSinkPath } from "./resolve-sink-path";
export { sinkPathRel } from "./sink-path-rel";
