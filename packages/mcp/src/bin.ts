#!/usr/bin/env node
import { formatWithOptions } from "node:util";
import { version } from "../package.json";
import { parseCliArgs, USAGE } from "./parse-args";

// stdout carries JSON-RPC only: anything a dependency prints with console.log/info goes to stderr.
const toStderr = (...args: unknown[]) =>
  process.stderr.write(`${formatWithOptions({ colors: false }, ...args)}\n`);
console.log = toStderr;
console.info = toStderr;
console.debug = toStderr;

async function main(): Promise<number | undefined> {
  const command = parseCliArgs({ argv: process.argv.slice(2), env: process.env, cwd: process.cwd() });
  switch (command.kind) {
    case "help":
      process.stdout.write(`${USAGE}\n`);
      return 0;
    case "version":
      process.stdout.write(`${version}\n`);
      return 0;
    case "usage-error":
      process.stderr.write(`${command.message}\n`);
      return 2;
    case "serve": {
      // Loaded only when serving, so --help and usage errors answer without loading the SDK and kernel.
      const { serveStdio } = await import("./serve-stdio");
      const handle = await serveStdio({
        projectRoot: command.projectRoot,
        userSpace: command.userSpace,
        as: command.as,
      });
      await handle.closed;
      return undefined;
    }
  }
}

main().then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
    // Once the server has closed, a primitive's leftover handle must not keep the process alive.
    setTimeout(() => process.exit(), 2000).unref();
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`kiwi-mcp: could not start: ${message}\n`);
    process.exitCode = 1;
  },
);
