import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { basename } from "node:path";
import type { PackedPackage } from "./pack-workspace";

/**
 * A loopback "registry" for the @kiwi scope that records every request. Until `serve` is called it answers
 * everything 404: the scratch projects' `.npmrc` points `@kiwi:registry` at it, so an install that asks a
 * registry for a `@kiwi/*` name (instead of taking the packed tarball) shows up here, and the test fails.
 * On the public npm registry the scope belongs to someone else: such a request could install a stranger's
 * package. After `serve(packed)` it answers the packed tarballs' metadata and bytes, and nothing else, so
 * an install that needs a registry (`npm install -g`) gets exactly what `pnpm pack` produced.
 */
export interface RegistryTrap {
  url: string;
  /** "GET /@kiwi%2fspec" for every request seen since the last `take()`. */
  take(): string[];
  /** From now on, answers these packages (metadata and tarball) instead of 404. */
  serve(packages: readonly PackedPackage[]): void;
  /**
   * What was answered from the packed packages since the last `takeServed()`: `<name>` for metadata,
   * `<name> (tarball)` for the bytes (npm skips the download when its cache holds the same integrity).
   */
  takeServed(): string[];
  close(): Promise<void>;
}

interface Served {
  readonly packument: string;
  readonly file: string;
  readonly bytes: Buffer;
  readonly name: string;
}

/** npm's metadata document for one packed package: its manifest as `versions[version]`, plus `dist`. */
function packument(pkg: PackedPackage, tarballUrl: string, bytes: Buffer): string {
  const { manifest } = pkg;
  const dist = {
    tarball: tarballUrl,
    shasum: createHash("sha1").update(bytes).digest("hex"),
    integrity: `sha512-${createHash("sha512").update(bytes).digest("base64")}`,
  };
  return JSON.stringify({
    name: manifest.name,
    "dist-tags": { latest: manifest.version },
    versions: { [manifest.version]: { ...manifest, _id: `${manifest.name}@${manifest.version}`, dist } },
  });
}

export async function startRegistryTrap(): Promise<RegistryTrap> {
  let seen: string[] = [];
  let served: string[] = [];
  const byPath = new Map<string, Served>();
  const byFile = new Map<string, Served>();
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const path = decodeURIComponent((req.url ?? "").split("?")[0] ?? "").toLowerCase();
    const meta = byPath.get(path);
    if (req.method === "GET" && meta) {
      served.push(meta.name);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(meta.packument);
      return;
    }
    const tarball = path.startsWith("/-/tarballs/")
      ? byFile.get(path.slice("/-/tarballs/".length))
      : undefined;
    if (req.method === "GET" && tarball) {
      served.push(`${tarball.name} (tarball)`);
      res.writeHead(200, {
        "content-type": "application/octet-stream",
        "content-length": tarball.bytes.length,
      });
      res.end(tarball.bytes);
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "the e2e registry trap: no @kiwi package is served from a registry" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    take() {
      const out = seen;
      seen = [];
      return out;
    },
    serve(packages) {
      for (const pkg of packages) {
        const bytes = readFileSync(pkg.tarball);
        const file = basename(pkg.tarball).toLowerCase();
        const entry = {
          name: pkg.name,
          file,
          bytes,
          packument: packument(pkg, `${url}-/tarballs/${file}`, bytes),
        };
        byPath.set(`/${pkg.name}`, entry);
        byFile.set(file, entry);
      }
    },
    takeServed() {
      const out = served;
      served = [];
      return out;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The `.npmrc` line a user writes, pointed at the trap. */
export const scopeLine = (trap: RegistryTrap) => `@kiwi:registry=${trap.url}\n`;
