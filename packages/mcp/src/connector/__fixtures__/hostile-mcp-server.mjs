// A stdio MCP server that misbehaves on purpose (raw newline-delimited JSON-RPC: the SDK would not send
// these). Arguments: <tools.json> [<method> <how>]. It answers initialize properly and lists the tools in
// the JSON file exactly as written (malformed entries included). The answer to <method> (tools/list or
// tools/call) is broken the <how> way: `oversized` (one 6 MiB line), `wrong_id` (a response to an id never
// sent) or `null_error` (an error with a null id); after it the server stays silent, so only a client that
// fails at once finishes quickly.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

const [toolsFile, brokenMethod, how] = process.argv.slice(2);
const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

function answer(method, id, result) {
  if (method !== brokenMethod) return send({ jsonrpc: "2.0", id, result });
  if (how === "oversized") return send({ jsonrpc: "2.0", id, result: { ...result, padding: "x".repeat(6 * 1024 * 1024) } });
  if (how === "wrong_id") return send({ jsonrpc: "2.0", id: id + 7, result });
  if (how === "null_error") return send({ jsonrpc: "2.0", id: null, error: { code: -32603, message: "oops" } });
  throw new Error(`unknown way to break an answer: ${how}`);
}

createInterface({ input: process.stdin }).on("line", (line) => {
  const message = JSON.parse(line);
  if (!("id" in message)) return;
  if (message.method === "initialize") {
    return answer("initialize", message.id, {
      protocolVersion: "2025-06-18",
      capabilities: { tools: {} },
      serverInfo: { name: "hostile", version: "1" },
    });
  }
  if (message.method === "tools/list") {
    return answer("tools/list", message.id, { tools: JSON.parse(readFileSync(toolsFile, "utf8")) });
  }
  if (message.method === "tools/call") {
    return answer("tools/call", message.id, { content: [{ type: "text", text: `called ${message.params.name}` }] });
  }
  send({ jsonrpc: "2.0", id: message.id, error: { code: -32601, message: "no such method" } });
});
