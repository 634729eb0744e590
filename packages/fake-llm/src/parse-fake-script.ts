import type { FakeScript } from "./script";

/** A script that is not a valid FakeScript; `issues` lists every problem with its place (`turns[2].usage`). */
export class FakeScriptError extends Error {
  readonly code = "VALIDATION_FAILED";
  readonly issues: readonly string[];

  constructor(issues: readonly string[]) {
    super(`invalid fake LLM script: ${issues.join("; ")}`);
    this.name = "FakeScriptError";
    this.issues = issues;
  }
}

const TURN_KEYS = new Set([
  "text",
  "tool_calls",
  "usage",
  "stop_reason",
  "model",
  "chunk_size",
  "delay_ms",
  "drop_after_bytes",
  "error",
  "http_status",
  "ping_every",
]);
const USAGE_KEYS = new Set(["input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens"]);
const CALL_KEYS = new Set(["id", "name", "arguments"]);
const STOP_REASONS = new Set(["end_turn", "tool_use", "max_tokens", "stop_sequence"]);

type Issues = string[];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkKeys(value: Record<string, unknown>, allowed: Set<string>, at: string, issues: Issues): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) issues.push(`${at}.${key}: unknown field (allowed: ${[...allowed].join(", ")})`);
  }
}

function checkString(value: unknown, at: string, issues: Issues): void {
  if (value !== undefined && typeof value !== "string") issues.push(`${at}: must be a string`);
}

function checkCount(value: unknown, at: string, issues: Issues, min = 0): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    issues.push(`${at}: must be an integer ≥ ${min}`);
  }
}

function checkTurn(turn: unknown, at: string, issues: Issues): void {
  if (!isRecord(turn)) {
    issues.push(`${at}: must be an object`);
    return;
  }
  checkKeys(turn, TURN_KEYS, at, issues);
  checkString(turn.text, `${at}.text`, issues);
  checkString(turn.model, `${at}.model`, issues);
  if (turn.stop_reason !== undefined && !STOP_REASONS.has(String(turn.stop_reason))) {
    issues.push(`${at}.stop_reason: must be one of ${[...STOP_REASONS].join(", ")}`);
  }
  checkCount(turn.chunk_size, `${at}.chunk_size`, issues, 1);
  checkCount(turn.delay_ms, `${at}.delay_ms`, issues);
  checkCount(turn.drop_after_bytes, `${at}.drop_after_bytes`, issues);
  checkCount(turn.ping_every, `${at}.ping_every`, issues, 1);
  if (turn.http_status !== undefined) {
    const status = turn.http_status;
    if (typeof status !== "number" || !Number.isInteger(status) || status < 400 || status > 599) {
      issues.push(`${at}.http_status: must be an error status from 400 to 599`);
    }
  }
  if (turn.usage !== undefined) {
    if (!isRecord(turn.usage)) issues.push(`${at}.usage: must be an object`);
    else {
      checkKeys(turn.usage, USAGE_KEYS, `${at}.usage`, issues);
      for (const key of USAGE_KEYS) checkCount(turn.usage[key], `${at}.usage.${key}`, issues);
    }
  }
  if (turn.error !== undefined) {
    const error = turn.error;
    if (!isRecord(error) || typeof error.type !== "string" || typeof error.message !== "string") {
      issues.push(`${at}.error: must be {type: string, message: string}`);
    }
  }
  if (turn.tool_calls !== undefined) {
    if (!Array.isArray(turn.tool_calls)) issues.push(`${at}.tool_calls: must be an array`);
    else for (const [i, call] of turn.tool_calls.entries()) checkCall(call, `${at}.tool_calls[${i}]`, issues);
  }
}

function checkCall(call: unknown, at: string, issues: Issues): void {
  if (!isRecord(call)) {
    issues.push(`${at}: must be an object`);
    return;
  }
  checkKeys(call, CALL_KEYS, at, issues);
  checkString(call.id, `${at}.id`, issues);
  if (typeof call.name !== "string" || call.name === "")
    issues.push(`${at}.name: must be a non-empty string`);
  if (!isRecord(call.arguments)) issues.push(`${at}.arguments: must be an object`);
}

/**
 * Checks that `value` (from a test, or parsed from a JSON file) is a FakeScript, collecting every
 * problem. Unknown fields are errors, so a typo such as `tool_call` cannot silently do nothing.
 */
export function parseFakeScript(value: unknown): FakeScript {
  const issues: Issues = [];
  if (!isRecord(value) || !Array.isArray(value.turns)) {
    throw new FakeScriptError(["script: must be an object {turns: [...]}"]);
  }
  checkKeys(value, new Set(["turns", "routes"]), "script", issues);
  for (const [i, turn] of value.turns.entries()) checkTurn(turn, `turns[${i}]`, issues);
  if (value.routes !== undefined) {
    if (!Array.isArray(value.routes)) issues.push("routes: must be an array");
    else
      for (const [r, route] of value.routes.entries()) {
        const at = `routes[${r}]`;
        if (
          !isRecord(route) ||
          typeof route.match !== "string" ||
          route.match === "" ||
          !Array.isArray(route.turns)
        ) {
          issues.push(`${at}: must be {match: non-empty string, turns: [...]}`);
          continue;
        }
        checkKeys(route, new Set(["match", "turns"]), at, issues);
        for (const [i, turn] of route.turns.entries()) checkTurn(turn, `${at}.turns[${i}]`, issues);
      }
  }
  if (issues.length > 0) throw new FakeScriptError(issues);
  // A copy: editing the caller's object later must not change what the server answers.
  return structuredClone(value) as unknown as FakeScript;
}
