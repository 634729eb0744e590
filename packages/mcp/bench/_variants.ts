import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
const variants = ["ok", "schema-ok", "pretty", "compact", "pretty-structured", "compact-structured", "schema-pretty-structured"];
const clients = [];
for (const v of variants) { const c = new Client({ name: "b", version: "1" }); await c.connect(new StdioClientTransport({ command: process.execPath, args: ["bench/_variant.mjs", v], env: { PATH: process.env.PATH! } })); clients.push(c); }
const samples = variants.map(() => [] as number[]);
for (let r = 0; r < 6; r++) for (let i = 0; i < clients.length; i++) for (let j = 0; j < 500; j++) { const s = process.hrtime.bigint(); await clients[i]!.callTool({ name: "noop", arguments: {} }); if (r > 0) samples[i]!.push(Number(process.hrtime.bigint() - s) / 1000); }
for (let i = 0; i < variants.length; i++) { const s = samples[i]!.sort((a, b) => a - b); console.log(variants[i]!.padEnd(28), s[Math.floor(s.length / 2)]!.toFixed(0)); }
for (const c of clients) await c.close();
