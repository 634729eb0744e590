import type { HarnessV1 } from "./harness";
import type { PluginKind } from "./plugin-kind";
import { fn, literal, object, shapeOf, text } from "./plugin-shape";

/** The harness plugin kind: what a `tool_type: harness` definition must produce, a `harness-v1` object. */
export const HARNESS_KIND: PluginKind<HarnessV1> = Object.freeze({
  name: "harness",
  specificationVersion: "harness-v1",
  shape: shapeOf<HarnessV1>(
    object({ specificationVersion: literal("harness-v1"), id: text, createRunner: fn }),
  ),
});
