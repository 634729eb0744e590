import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback "registry" for the @kiwi scope that only records: every request is kept and answered 404.
 * The scratch projects' `.npmrc` points `@kiwi:registry` at it, so an install that asks a registry for a
 * `@kiwi/*` name (instead of taking the packed tarball) shows up here, and the test fails. On the public
 * npm registry the scope belongs to someone else: such a request could install a stranger's package.
 */
export interface RegistryTrap {
  url: string;
  /** "GET /@kiwi%2fspec" for every request seen since the last `take()`. */
  take(): string[];
  close(): Promise<void>;
}

export async function startRegistryTrap(): Promise<RegistryTrap> {
  let seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "the e2e registry trap: no @kiwi package is served from a registry" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    take() {
      const out = seen;
      seen = [];
      return out;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The `.npmrc` line a user writes, pointed at the trap. */
export const scopeLine = (trap: RegistryTrap) => `@kiwi:registry=${trap.url}\n`;
