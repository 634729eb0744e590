// A tiny real JSON-RPC 2.0 server over newline-delimited stdin/stdout, for the subprocess rpc-mode tests.
// Methods: echo (result = params), fail (-32602 with data), slow ({ms}), crash (exits 1 without answering),
// garbage (writes a non-JSON line, then answers), ask_client (sends the client a request, returns its
// answer), notify_me (sends a notification, then answers). Hostile answers, each sent at once and then
// nothing more for the request: huge ({bytes}: a result line that long), wrong_id (a response to another id),
// null_error (an error with a null id), no_result (a response with neither result nor error). Unknown
// methods get -32601.
// `--linger` keeps running after stdin ends (to test that the client terminates it).
import { createInterface } from "node:readline";

const linger = process.argv.includes("--linger");
const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
const waiting = new Map();
let nextId = 1000;

const handlers = {
  echo: async (params) => params ?? null,
  fail: async () => {
    throw { code: -32602, message: "bad params for fail", data: { hint: "there is none" } };
  },
  slow: async (params) => {
    await new Promise((resolve) => setTimeout(resolve, params?.ms ?? 1000));
    return "slow done";
  },
  crash: async () => process.exit(1),
  garbage: async () => {
    process.stdout.write("this is not json\n");
    return "after garbage";
  },
  ask_client: async () => {
    const id = nextId++;
    const answer = new Promise((resolve) => waiting.set(id, resolve));
    send({ jsonrpc: "2.0", id, method: "roots/list" });
    return answer;
  },
  notify_me: async () => {
    send({ jsonrpc: "2.0", method: "notifications/message", params: { text: "hi" } });
    return "notified";
  },
};

const hostile = {
  huge: (id, params) =>
    send({ jsonrpc: "2.0", id, result: { padding: "x".repeat(params?.bytes ?? 8 * 1024 * 1024) } }),
  wrong_id: (id) => send({ jsonrpc: "2.0", id: id + 1000, result: "for someone else" }),
  null_error: () => send({ jsonrpc: "2.0", id: null, error: { code: -32600, message: "who knows" } }),
  no_result: (id) => send({ jsonrpc: "2.0", id }),
};

const rl = createInterface({ input: process.stdin });
rl.on("line", async (line) => {
  const message = JSON.parse(line);
  if (!("method" in message)) return waiting.get(message.id)?.(message);
  process.stderr.write(`got ${message.method}\n`);
  if (!("id" in message)) return;
  if (hostile[message.method]) return hostile[message.method](message.id, message.params);
  const handler = handlers[message.method];
  if (!handler) return send({ jsonrpc: "2.0", id: message.id, error: { code: -32601, message: "no such method" } });
  try {
    send({ jsonrpc: "2.0", id: message.id, result: await handler(message.params) });
  } catch (error) {
    send({ jsonrpc: "2.0", id: message.id, error });
  }
});
rl.on("close", () => {
  if (linger) setInterval(() => {}, 1000);
});
