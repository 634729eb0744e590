import type { HarnessV1, HarnessV2 } from "./harness";
import type { PluginKind } from "./plugin-kind";
import { fn, literal, object, shapeOf, text } from "./plugin-shape";
import { upgradeHarnessV1 } from "./upgrade-harness-v1";

/**
 * The harness plugin kind: what a `tool_type: harness` definition must produce, a `harness-v2` object. A
 * `harness-v1` instance is still accepted and upgraded (`upgradeHarnessV1`), so v1 plugins keep working
 * on managed threads.
 */
export const HARNESS_KIND: PluginKind<HarnessV2> = Object.freeze({
  name: "harness",
  specificationVersion: "harness-v2",
  shape: shapeOf<HarnessV2>(object({ specificationVersion: literal("harness-v2"), id: text, run: fn })),
  upgrades: Object.freeze([
    {
      specificationVersion: "harness-v1",
      shape: shapeOf<HarnessV1>(
        object({ specificationVersion: literal("harness-v1"), id: text, createRunner: fn }),
      ),
      upgrade: (value: unknown) => upgradeHarnessV1(value as HarnessV1),
    },
  ]),
});
