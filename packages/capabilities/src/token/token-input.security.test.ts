// Battery §2.1 T6, T19–T21, T23, T25 and G6: hostile raw input, fuzzing, repetition and message hygiene.
import { KiwiError } from "@kiwi/spec";
import fc from "fast-check";
import { jwtVerify } from "jose";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mintToken } from "./mint-token";
import {
  b64url,
  baseClaims,
  type Check,
  FROZEN_MS,
  FROZEN_SECONDS,
  frozenClock,
  header,
  makeKeys,
  rejection,
  signRaw,
  type TestKeys,
  verificationPaths,
} from "./token-test-kit";

let keys: TestKeys;
let token: string;
const clock = frozenClock();
beforeAll(async () => {
  keys = await makeKeys();
  ({ token } = await mintToken({
    key: keys.key,
    grants: [{ cap: "fs.read", scope: "src/**" }],
    directiveId: "demo/hello",
    threadId: "thread-a",
    now: () => FROZEN_MS,
  }));
});

const trusted = () => [{ keyId: keys.key.keyId, publicKey: keys.key.publicKey }];
const MUTATION_REASONS = ["malformed", "bad_signature", "alg_rejected", "wrong_type", "crit_unsupported"];

/** Fails the test unless `promise` rejects with a TOKEN_INVALID KiwiError for one of `reasons`. */
async function refusedFor(promise: Promise<unknown>, reasons: readonly string[]): Promise<void> {
  const outcome = await promise.then(
    () => "accepted",
    (error: unknown) => error,
  );
  expect(outcome).not.toBe("accepted");
  expect(KiwiError.isInstance(outcome)).toBe(true);
  const error = outcome as KiwiError;
  expect(error.code).toBe("TOKEN_INVALID");
  expect(reasons).toContain(error.context.reason);
}

async function fastestMs(run: () => Promise<unknown>, attempts = 3): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < attempts; i++) {
    const start = performance.now();
    await run().catch(() => undefined);
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

describe.each(verificationPaths(trusted, clock.now))("raw input through %s", (_name, make) => {
  let check: Check;
  beforeEach(() => {
    clock.set(FROZEN_MS);
    check = make();
  });

  it("T6: every single deletion, substitution and insertion across all three segments is refused", async () => {
    for (let i = 0; i <= token.length; i++) {
      const before = token.slice(0, i);
      const after = token.slice(i);
      const variants = [`${before}A${after}`, `${before}.${after}`];
      if (i < token.length) {
        const rest = token.slice(i + 1);
        variants.push(before + rest, `${before}${token[i] === "A" ? "B" : "A"}${rest}`, `${before}=${rest}`);
      }
      for (const variant of variants) await refusedFor(check(variant), MUTATION_REASONS);
    }
  });

  it("T6: random multi-point mutations are never accepted and only ever throw KiwiError", async () => {
    const char = fc.oneof(
      fc.constantFrom("A", "B", "Q", "g", "w", "_", "-", ".", "=", " ", "\n", "+", "/", "\u0000", "é", "😀"),
      fc.string({ minLength: 1, maxLength: 3 }),
    );
    const mutation = fc.record({ op: fc.constantFrom("replace", "delete", "insert"), at: fc.nat(), char });
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (mutations) => {
        let mutated = token;
        for (const { op, at, char: c } of mutations) {
          const i = at % (mutated.length + 1);
          const skip = op === "insert" ? 0 : 1;
          mutated = mutated.slice(0, i) + (op === "delete" ? "" : c) + mutated.slice(i + skip);
        }
        fc.pre(mutated !== token);
        await refusedFor(check(mutated), [...MUTATION_REASONS, "missing"]);
      }),
      { numRuns: 400 },
    );
  });

  it("T6: re-spelling the signature's unused trailing bits is refused (one token, one string)", async () => {
    const last = token.at(-1) ?? "";
    // 64 signature bytes take 86 characters; the last one carries 2 bits and 4 unused ones.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const index = alphabet.indexOf(last);
    const sibling = alphabet[(index & ~0b1111) | ((index + 1) & 0b1111)] ?? "";
    const respelled = `${token.slice(0, -1)}${sibling}`;
    // The premise: jose alone decodes the re-spelled signature to the same bytes and accepts it.
    await expect(
      jwtVerify(respelled, keys.key.publicKey, { currentDate: new Date(FROZEN_MS) }),
    ).resolves.toBeDefined();
    await rejection(check(respelled), { reason: "malformed" });
  });

  it("T19: 1 MiB and 100 MiB strings are too_large in well under 5 ms", async () => {
    for (const size of [2 ** 20, 100 * 2 ** 20]) {
      const huge = `${token}${Buffer.alloc(size, 0x41).toString("latin1")}`;
      await rejection(check(huge), { reason: "too_large" });
      expect(await fastestMs(() => check(huge))).toBeLessThan(5);
    }
    await rejection(check("A".repeat(8193)), { reason: "too_large" });
  });

  it("T20: wrong segment counts, padding, whitespace and foreign characters are malformed", async () => {
    const [h, p, s] = token.split(".") as [string, string, string];
    const shapes: unknown[] = [
      `${h}.${p}`,
      `${h}.${p}.${s}.${s}`,
      `${h}.${p}.${s}.${s}.${s}`,
      `${h}=.${p}.${s}`,
      `${h}.${p}.${s}==`,
      ` ${token}`,
      `${token}\n`,
      `${h}.${p.slice(0, 10)}\n${p.slice(10)}.${s}`,
      `${h}.${p.slice(0, 10)} ${p.slice(10)}.${s}`,
      `${h.replace(/.$/, "+")}.${p}.${s}`,
      `${h}.${p}.${s.replace(/^./, "/")}`,
      `${h}..${s}`,
      `.${p}.${s}`,
      "..",
      ".",
      `${h}.${p}.${s}\u0000`,
      `${h}.${p}.é${s}`,
      `${b64url("not json")}.${p}.${s}`,
      `${b64url("[1,2]")}.${p}.${s}`,
      `${b64url("null")}.${p}.${s}`,
      `${b64url(Buffer.from([0xff, 0xfe, 0x7b, 0x7d]))}.${p}.${s}`,
      42,
      0,
      true,
      {},
      [token],
      new TextEncoder().encode(token),
      Symbol("token"),
    ];
    for (const shape of shapes) await rejection(check(shape), { reason: "malformed" });
  });

  it("T21: a genuinely signed payload that is not a JSON object is malformed", async () => {
    const payloads = ["[]", "null", '"x"', "0", "{", "", '{"a":1}x'];
    for (const payload of payloads) {
      const signed = signRaw({ header: header(keys.key), payload, privateKey: keys.key.privateKey });
      await rejection(check(signed), { reason: "malformed" });
    }
    const invalidUtf8 = signRaw({
      header: header(keys.key),
      payload: "",
      privateKey: keys.key.privateKey,
    }).split(".");
    invalidUtf8[1] = b64url(Buffer.from([0x7b, 0xff, 0x7d]));
    await refusedFor(check(invalidUtf8.join(".")), ["malformed", "bad_signature"]);
  });

  it("T23: no token at all is missing", async () => {
    for (const raw of [undefined, null, ""]) await rejection(check(raw), { reason: "missing" });
  });

  it("T25: the same forged token 10 000 times is refused every time, a cached valid prefix does not help", async () => {
    await check(token); // the genuine token with the same header and payload is now cached
    const forged = `${token.slice(0, token.lastIndexOf(".") + 1)}${b64url(Buffer.alloc(64, 7))}`;
    for (let i = 0; i < 10_000; i++) {
      const outcome = await check(forged).then(
        () => "accepted",
        (error: KiwiError) => error.context.reason,
      );
      if (outcome !== "bad_signature") expect.fail(`attempt ${i}: ${String(outcome)}`);
    }
  });

  it("G6: refusals never echo the token, its kid, caps or ids, and carry no cause", async () => {
    const canary = {
      caps: [{ cap: "canary.zqxv", scope: "CANARY-SCOPE-7731/**" }],
      thread_id: "canary-thread-5521",
      directive_id: "canary/directive-9032",
    };
    const sign = (
      claims: Record<string, unknown> | string,
      extra: Record<string, unknown> = {},
      privateKey = keys.key.privateKey,
    ) =>
      signRaw({ header: header(keys.key, { kid: keys.key.keyId, ...extra }), payload: claims, privateKey });
    const hostile = [
      sign(baseClaims(canary), {}, keys.foreign.privateKey),
      sign(
        baseClaims({
          ...canary,
          exp: FROZEN_SECONDS - 60,
          iat: FROZEN_SECONDS - 120,
          nbf: FROZEN_SECONDS - 120,
        }),
      ),
      sign(baseClaims({ ...canary, aud: ["evil", "kiwi-tools"] })),
      sign(baseClaims({ ...canary, exp: 1e300 })),
      sign(baseClaims({ ...canary, jti: undefined })),
      sign(baseClaims(canary), { typ: "canary-typ-4410" }),
      sign(baseClaims(canary), { kid: "canary-kid-1209" }),
      sign(JSON.stringify(baseClaims(canary)).replace('"caps":[', '"caps":[{"__proto__":{"canary":1}},')),
      sign(baseClaims(canary)).replace(".", ".."),
    ];
    const outcomes = await Promise.all(
      [...hostile.map((raw) => check(raw)), check(sign(baseClaims(canary)), "thread-b")].map((p) =>
        p.then(
          () => undefined,
          (error: unknown) => error,
        ),
      ),
    );
    const words = [
      "canary",
      "CANARY",
      "zqxv",
      ...hostile.flatMap((raw) => raw.split(".").filter((s) => s.length > 8)),
    ];
    for (const error of outcomes) {
      expect(KiwiError.isInstance(error)).toBe(true);
      const kiwi = error as KiwiError;
      expect(kiwi.cause).toBeUndefined();
      const visible = `${kiwi.message} ${JSON.stringify(kiwi.toJSON())}`;
      for (const word of words) expect(visible).not.toContain(word);
    }
  });
});
