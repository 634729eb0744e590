// A third-party harness in plain JavaScript: it imports nothing from Kiwi and only uses the run context
// the runtime hands it (harness-v2). The model sees the tools the thread's token grants by id.

/** @returns {{specificationVersion: "harness-v2", id: string, run(context: any): Promise<any>}} */
export function createAcmeHarness() {
  return {
    specificationVersion: "harness-v2",
    id: "acme",
    async run(context) {
      const tools = await Promise.all(context.directive.tools.map((id) => context.describeTool(id)));
      const messages = context.resume
        ? [...context.resume.messages]
        : [{ role: "user", content: context.directive.prompt }];
      if (!context.resume) context.emit({ type: "user_message", turn: 1, text: context.directive.prompt });
      try {
        context.emit({ type: "tool_call", name: "forged" });
      } catch (error) {
        context.emit({ type: "acme_forgery_refused", code: error.code });
      }
      let finalText = "";
      const end = (status, reason, extra = {}) => ({ status, reason, final_text: finalText, messages, ...extra });
      for (;;) {
        const turn = await context.beforeTurn({ messages });
        if (turn.stop) return end(turn.stop.status, turn.stop.reason);
        for (const content of [...turn.inject, ...turn.notes]) messages.push({ role: "user", content });
        const reply = await context.model({ system: "You are Acme's assistant. Use the tools.", messages, tools });
        if (reply.interrupted && reply.state.events === 0) {
          return end("error", "model_call_failed", { error: reply.interrupted });
        }
        finalText = reply.state.text_blocks.join("");
        const calls = reply.state.tool_calls
          .filter((c) => c.is_complete && !c.parse_error)
          .map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }));
        messages.push({ role: "assistant", text: finalText, tool_calls: calls });
        if (context.signal.aborted) return end("aborted", "aborted");
        if (calls.length === 0) return end("completed", "end_turn");
        const results = [];
        for (const call of calls) {
          const result = await context.tool({ tool: call.name, parameters: call.arguments, callId: call.id });
          results.push({ tool_call_id: call.id, content: JSON.stringify(result), is_error: !result.success });
        }
        messages.push({ role: "tool", results });
        context.emit({ type: "acme_progress", turn: turn.turn, calls: calls.length });
      }
    },
  };
}
