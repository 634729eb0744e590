import type { FakeEndpoint } from "./server-types";

/** Which API a request is for; `unknown` answers 404. */
export function routeRequest(method: string, path: string): FakeEndpoint {
  if (method !== "POST") return "unknown";
  if (path === "/v1/messages") return "anthropic";
  if (path === "/v1/chat/completions") return "openai";
  return "unknown";
}

/** For errors on unknown paths: answer in the shape the caller most likely understands. */
export function guessProvider(
  path: string,
  headers: Readonly<Record<string, string>>,
): "anthropic" | "openai" {
  if (path.startsWith("/v1/messages") || headers["x-api-key"] || headers["anthropic-version"]) {
    return "anthropic";
  }
  return "openai";
}
