import { constants, existsSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  keyIdOf,
  keyPaths,
  listTrustedKeys,
  parseTrustablePublicKey,
  removeTrustedKey,
  trustPublicKey,
} from "@kiwi/keys";
import { KiwiError } from "@kiwi/spec";
import { EXIT, UsageError } from "../cli-error";
import { kernelOptions, userSpaceFrom } from "../common-options";
import { type Io, print, printJson } from "../io";

const USAGE = `kiwi trust <public key file> [--key-id <id>]   trust a publisher's signing key
kiwi trust --list                              the keys this user space trusts
kiwi trust --remove <key id | file name>       stop trusting one`;

/**
 * kiwi trust — manages the user space's trusted publisher keys (`<user space>/keys/trusted/*.pub`).
 * Items signed by a trusted key verify like the person's own; a plugin package's items need their
 * publisher trusted because they cannot be re-signed in place.
 */
export async function trustCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...kernelOptions,
      list: { type: "boolean", default: false },
      remove: { type: "string" },
      "key-id": { type: "string" },
    },
  });
  const userSpace = userSpaceFrom(values, io);
  const modes = [values.list, values.remove !== undefined, positionals.length > 0].filter(Boolean).length;
  if (modes !== 1 || positionals.length > 1) throw new UsageError(USAGE);

  if (values.list) {
    const { keys, problems } = await listTrustedKeys(userSpace);
    const own = await ownKeyId(userSpace);
    if (values.json) {
      printJson(io, {
        success: true,
        user_space: userSpace,
        own_key: own ?? null,
        trusted: keys.map(entry),
        problems,
      });
      return EXIT.ok;
    }
    print(io, `user space ${userSpace}`);
    print(io, `  own key   ${own ?? "(none yet: kiwi init creates it)"}`);
    for (const k of keys) print(io, `  trusted   ${k.keyId}  ${k.file}`);
    if (keys.length === 0) print(io, "  trusted   (none: kiwi trust <public key file> adds a publisher)");
    for (const p of problems) print(io, `  ✗ ${p.file}: ${p.message}`);
    return problems.length ? EXIT.failed : EXIT.ok;
  }

  if (values.remove !== undefined) {
    const removed = await removeTrustedKey(userSpace, values.remove);
    if (values.json) printJson(io, { success: true, removed: entry(removed) });
    else print(io, `no longer trusted: ${removed.keyId} (${removed.path} removed)`);
    return EXIT.ok;
  }

  const arg = positionals[0]!;
  const { pem, from } = await readKeyFile(resolve(io.cwd, arg));
  // Parsed here too so that a bad key is reported before anything is written.
  parseTrustablePublicKey(pem, from);
  const result = await trustPublicKey({ userSpace, pem, from, expectKeyId: values["key-id"] });
  if (values.json) {
    printJson(io, { success: true, key_id: result.keyId, path: result.path, added: result.added });
  } else {
    print(
      io,
      result.added
        ? `trusted ${result.keyId} (${result.path})`
        : `already trusted: ${result.keyId} (${result.path})`,
    );
    if (values["key-id"] === undefined)
      print(io, "  check this key id with the publisher; items it signs now verify on this machine");
  }
  return EXIT.ok;
}

function entry(k: { keyId: string; file: string; path: string }) {
  return { key_id: k.keyId, file: k.file, path: k.path };
}

async function ownKeyId(userSpace: string): Promise<string | undefined> {
  const file = keyPaths(userSpace).publicKey;
  if (!existsSync(file)) return undefined;
  return keyIdOf(parseTrustablePublicKey(await readFile(file, "utf8"), file));
}

/** The text of a (regular, small) key file. */
async function readKeyFile(file: string): Promise<{ pem: string; from: string }> {
  // Non-blocking, regular files only: a FIFO named as the key must not hang the command.
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK).catch((cause) => {
    throw new KiwiError({ code: "KEY_ERROR", message: `cannot read ${file}: ${cause.code ?? cause}`, cause });
  });
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > 4096) {
      throw new KiwiError({
        code: "KEY_ERROR",
        message: `${file} is not a public key file (${info.isFile() ? "larger than 4096 bytes" : "not a regular file"})`,
      });
    }
    return { pem: await handle.readFile("utf8"), from: file };
  } finally {
    await handle.close();
  }
}
