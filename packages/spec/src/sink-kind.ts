import type { PluginKind } from "./plugin-kind";
import { fn, literal, object, optional, shapeOf, text } from "./plugin-shape";
import type { SinkV1 } from "./sink";

/** The sink plugin kind: what `module` + `export` of a `tool_type: sink` definition must produce. */
export const SINK_KIND: PluginKind<SinkV1> = Object.freeze({
  name: "sink",
  specificationVersion: "sink-v1",
  shape: shapeOf<SinkV1>(
    object({
      specificationVersion: literal("sink-v1"),
      id: text,
      write: fn,
      close: fn,
      flush: optional(fn),
    }),
  ),
});
