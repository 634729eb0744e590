import type {
  HarnessOutcome,
  HarnessRunContext,
  HarnessV2,
  NeutralMessage,
  ToolCall,
  ToolResult,
} from "@kiwi/spec";
import { z } from "zod";

/** The plugin's own settings schema: the loader validates a host's settings with it (unknown keys fail). */
export const templateHarnessSettingsSchema = z.strictObject({
  system_prompt: z
    .string()
    .min(1)
    .max(20_000)
    .default("You carry out the task in the first message with the tools you are given.")
    .describe("The system prompt."),
});

export type TemplateHarnessSettings = z.input<typeof templateHarnessSettingsSchema>;

/** The longest tool result handed back to the model. */
const MAX_RESULT_CHARS = 20_000;

/**
 * template_harness: one conversation per `run(context)`. The runtime owns every guarantee (the token on
 * each call, budgets, max_turns, transcript, controls); a harness only decides what the model sees and
 * what to do with its answer. Call `beforeTurn` before each model call and obey its `stop`.
 */
async function runConversation(context: HarnessRunContext, system: string): Promise<HarnessOutcome> {
  const tools = await Promise.all(context.directive.tools.map((id) => context.describeTool(id)));
  const messages: NeutralMessage[] = context.resume
    ? [...context.resume.messages]
    : [{ role: "user", content: context.directive.prompt }];
  if (!context.resume) context.emit({ type: "user_message", turn: 1, text: context.directive.prompt });
  let finalText = "";
  const end = (status: HarnessOutcome["status"], reason: string): HarnessOutcome => ({
    status,
    reason,
    final_text: finalText,
    messages,
  });
  for (;;) {
    const turn = await context.beforeTurn({ messages });
    if (turn.stop) return end(turn.stop.status, turn.stop.reason);
    for (const content of [...turn.inject, ...turn.notes]) messages.push({ role: "user", content });
    const reply = await context.model({ system, messages, tools });
    if (reply.interrupted && reply.state.events === 0) {
      return { ...end("error", "model_call_failed"), error: reply.interrupted };
    }
    finalText = reply.state.text_blocks.join("");
    // Only calls whose JSON completed and parsed are ever run.
    const calls: ToolCall[] = reply.state.tool_calls
      .filter((c) => c.is_complete && !c.parse_error)
      .map((c) => ({ id: c.id, name: c.name, arguments: c.arguments ?? {} }));
    messages.push({ role: "assistant", text: finalText, tool_calls: calls });
    if (context.signal.aborted) return end("aborted", "aborted");
    if (calls.length === 0) return end("completed", "end_turn");
    const results: ToolResult[] = [];
    for (const call of calls) {
      // The runtime attaches the thread's token and refuses `__*` keys; the kernel's guard decides.
      const result = await context.tool({ tool: call.name, parameters: call.arguments, callId: call.id });
      const content = JSON.stringify(result);
      results.push({
        tool_call_id: call.id,
        content:
          content.length > MAX_RESULT_CHARS ? `${content.slice(0, MAX_RESULT_CHARS)}… (truncated)` : content,
        is_error: !result.success,
      });
    }
    messages.push({ role: "tool", results });
  }
}

/** The factory a `tool_type: harness` definition names (`module` + `export`). */
export function createTemplateHarness(settings: TemplateHarnessSettings = {}): HarnessV2 {
  const { system_prompt } = templateHarnessSettingsSchema.parse(settings);
  return {
    specificationVersion: "harness-v2",
    id: "template",
    run: (context) => runConversation(context, system_prompt),
  };
}

createTemplateHarness.settingsSchema = templateHarnessSettingsSchema;
