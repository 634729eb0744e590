// A tiny real JSON-RPC 2.0 server over newline-delimited stdin/stdout, for the subprocess rpc-mode tests.
// Methods: echo (result = params), fail (-32602 with data), slow ({ms}), crash (exits 1 without answering),
// garbage (writes a non-JSON line, then answers), ask_client (sends the client a request, returns its
// answer), notify_me (sends a notification, then answers). Unknown methods get -32601.
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

const rl = createInterface({ input: process.stdin });
rl.on("line", async (line) => {
  const message = JSON.parse(line);
  if (!("method" in message)) return waiting.get(message.id)?.(message);
  process.stderr.write(`got ${message.method}\n`);
  if (!("id" in message)) return;
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
