/**
 * Attribute names of the OpenTelemetry GenAI semantic conventions (status: Development) as published in
 * the registry of @opentelemetry/semantic-conventions 1.45.0, written out here so the libraries depend on
 * `@opentelemetry/api` alone. `kiwi.*` names are Kiwi's own where the conventions have none.
 */
export const GEN_AI = {
  operation: "gen_ai.operation.name",
  provider: "gen_ai.provider.name",
  conversationId: "gen_ai.conversation.id",
  agentName: "gen_ai.agent.name",
  agentId: "gen_ai.agent.id",
  agentVersion: "gen_ai.agent.version",
  requestModel: "gen_ai.request.model",
  requestMaxTokens: "gen_ai.request.max_tokens",
  responseModel: "gen_ai.response.model",
  responseId: "gen_ai.response.id",
  finishReasons: "gen_ai.response.finish_reasons",
  inputTokens: "gen_ai.usage.input_tokens",
  outputTokens: "gen_ai.usage.output_tokens",
  cacheReadTokens: "gen_ai.usage.cache_read.input_tokens",
  cacheCreationTokens: "gen_ai.usage.cache_creation.input_tokens",
  toolName: "gen_ai.tool.name",
  toolCallId: "gen_ai.tool.call.id",
  toolType: "gen_ai.tool.type",
  toolArguments: "gen_ai.tool.call.arguments",
  toolResult: "gen_ai.tool.call.result",
  inputMessages: "gen_ai.input.messages",
  outputMessages: "gen_ai.output.messages",
  systemInstructions: "gen_ai.system_instructions",
  errorType: "error.type",
} as const;

/** Kiwi's own attributes (no convention covers them). */
export const KIWI = {
  harness: "kiwi.harness",
  parentThread: "kiwi.thread.parent_id",
  resumed: "kiwi.thread.resumed",
  status: "kiwi.thread.status",
  reason: "kiwi.thread.reason",
  turn: "kiwi.turn",
  costUsd: "kiwi.cost.usd",
  unpriced: "kiwi.cost.unpriced",
  totalCostUsd: "kiwi.thread.cost.usd",
  tokenJti: "kiwi.authz.token.jti",
  authzCapability: "kiwi.authz.capability",
  authzScope: "kiwi.authz.scope",
  authzDecision: "kiwi.authz.decision",
  authzReason: "kiwi.authz.reason",
} as const;
