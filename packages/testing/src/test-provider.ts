import {
  PROVIDER_KIND,
  type ProviderV1,
  type SinkEvent,
  type StreamingToolCall,
  type StreamState,
  validatePlugin,
} from "@kiwi/spec";
import { describe, expect, it } from "vitest";
import { checkFormatRequest, checkThreadTool } from "./provider/check-format";
import { checkEnv, checkPriced, checkTiers, checkUnknown, checkUnpriced } from "./provider/check-models";
import { checkReturnedForm, finalState, parseChecked } from "./provider/check-stream";
import {
  checkBrokenToolJson,
  checkCutStream,
  checkErrorStream,
  checkHostile,
  checkTextStream,
  checkToolCallStream,
} from "./provider/check-stream-kinds";

/** Fields of the final StreamState a recorded stream must produce, matched as a subset. */
export type ExpectedStreamState = Partial<Omit<StreamState, "tool_calls">> & {
  readonly tool_calls?: readonly Partial<StreamingToolCall>[];
};

/** One recorded response in the provider's wire format, as http_client hands it over. */
export interface RecordedStream {
  readonly events: readonly SinkEvent[];
  /** What it must produce besides what the suite checks for its kind of stream. */
  readonly expected?: ExpectedStreamState;
}

export interface TestProviderOptions {
  /**
   * Recorded streams (`readSseFixture(url).events`), one of each kind: `text` ends cleanly with text only;
   * `toolCalls` ends cleanly with tool calls whose JSON arrives in pieces; `cut` stops in the middle of a
   * tool call's arguments; `brokenToolJson` closes a call whose arguments are not a JSON object; `error`
   * reports an error mid-stream.
   */
  readonly streams: {
    readonly text: RecordedStream;
    readonly toolCalls: RecordedStream;
    readonly cut: RecordedStream;
    readonly brokenToolJson: RecordedStream;
    readonly error: RecordedStream;
  };
  /**
   * The package folder (`new URL("..", import.meta.url)`): when given, `threadTool` is looked up in its
   * `.ai/tools/` and `formatRequest` must fill exactly the thread and endpoint tools' parameters.
   */
  readonly packageDir?: URL;
  /**
   * Required when the provider has `models`: a model its data prices (on `at`, default now) and,
   * optionally, one it knows but does not price.
   */
  readonly models?: { readonly priced: string; readonly unpriced?: string; readonly at?: Date };
  /** The model id formatRequest is given (default: `models.priced`, else "conformance-model"). */
  readonly model?: string;
}

export type MakeProvider = () => ProviderV1 | Promise<ProviderV1>;

const ID_PATTERN = /^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$/;
const TOOL_ID = /^[a-z][a-z0-9_]*$/;

/**
 * The provider-v1 conformance suite. Call it at the top level of a vitest file; every first- and
 * third-party provider runs the same cases: the kind's shape and version tag (the check the kernel's
 * loader applies), formatRequest, the parsing of recorded streams into the neutral state, pricing and tiers.
 */
export function testProvider(name: string, makeProvider: MakeProvider, options: TestProviderOptions): void {
  const { streams } = options;
  const at = options.models?.at ?? new Date();
  const all = Object.entries(streams);

  describe(`provider-v1 conformance: ${name}`, () => {
    it("is a provider-v1 instance the plugin loader accepts, with a stable id and a thread tool id", async () => {
      const provider = await makeProvider();
      const checked = await validatePlugin(PROVIDER_KIND, provider);
      expect(checked.ok ? "" : checked.message).toBe("");
      expect(provider.id).toMatch(ID_PATTERN);
      expect(provider.threadTool).toMatch(TOOL_ID);
      checkEnv(provider);
    });

    it("formatRequest is pure, JSON-safe and carries the whole conversation", async () => {
      const provider = await makeProvider();
      const params = checkFormatRequest(
        provider,
        options.model ?? options.models?.priced ?? "conformance-model",
      );
      if (options.packageDir) checkThreadTool(provider, options.packageDir, params);
    });

    it("each createStreamParser() starts from an empty state of its own", async () => {
      const provider = await makeProvider();
      const used = provider.createStreamParser();
      for (const event of streams.text.events) used.push(event);
      const fresh = provider.createStreamParser();
      expect(fresh.state).not.toBe(used.state);
      expect(fresh.state).toMatchObject({
        text_blocks: [],
        tool_calls: [],
        stop_reason: null,
        clean_finish: false,
        events: 0,
      });
    });

    it.each(all)("%s stream: the streaming invariants hold after every event", async (_kind, stream) => {
      parseChecked(await makeProvider(), stream.events);
    });

    it.each(all)(
      "%s stream: the same state when data arrives already parsed (a return body)",
      async (_kind, stream) => {
        checkReturnedForm(await makeProvider(), stream.events);
      },
    );

    it.each(all.filter(([, s]) => s.expected))("%s stream: the expected state", async (_kind, stream) => {
      expect(finalState(await makeProvider(), stream.events)).toMatchObject(stream.expected as object);
    });

    it("text stream: text, usage, end_turn, a clean finish, nothing applied after it", async () => {
      checkTextStream(await makeProvider(), streams.text.events, streams.toolCalls.events);
    });

    it("tool-call stream: calls complete with parsed arguments, their JSON streamed in pieces", async () => {
      checkToolCallStream(await makeProvider(), streams.toolCalls.events);
    });

    it("cut stream: no clean finish; the open call stays incomplete, unparsed and unexecutable", async () => {
      checkCutStream(await makeProvider(), streams.cut.events);
    });

    it("broken tool JSON: the call is closed with parse_error and no arguments, never repaired", async () => {
      checkBrokenToolJson(await makeProvider(), streams.brokenToolJson.events);
    });

    it("error stream: state.error and stop_reason error, no clean finish, nothing applied after it", async () => {
      checkErrorStream(await makeProvider(), streams.error.events, streams.text.events);
    });

    it("hostile events: a parser never throws and never finishes cleanly on them", async () => {
      checkHostile(
        await makeProvider(),
        all.flatMap(([, s]) => s.events.map((e) => e.event)),
      );
    });

    it("costOf: priced models cost what their usage says, unpriced and unknown ones are unpriced (never $0)", async () => {
      const { models } = await makeProvider();
      if (models === undefined) {
        expect(options.models, "options.models is given but the provider has no models").toBeUndefined();
        return;
      }
      expect(
        options.models,
        "the provider has models: pass options.models ({priced, unpriced?})",
      ).toBeDefined();
      checkPriced(models, options.models!.priced, at);
      if (options.models?.unpriced) checkUnpriced(models, options.models.unpriced, at);
      checkUnknown(models);
    });

    it("tiers: known tier names, the balanced fallback, each mapped to a priced model", async () => {
      const { models } = await makeProvider();
      if (models?.tiers === undefined) return;
      checkTiers(models, at);
    });
  });
}
