import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { Keyring } from "@kiwi/keys";
import { beforeAll, describe, expect, it } from "vitest";
import { mintToken } from "./mint-token";
import { FROZEN_MS, FROZEN_SECONDS, makeKeys, rejection, type TestKeys } from "./token-test-kit";
import { verifyToken } from "./verify-token";

let keys: TestKeys;
let token: string;
beforeAll(async () => {
  keys = await makeKeys();
  ({ token } = await mintToken({
    key: keys.key,
    grants: [{ cap: "fs.read", scope: "src/**" }, { cap: "kiwi.search" }],
    directiveId: "demo/hello",
    threadId: "thread-a",
    parentJti: "parent-1",
    now: () => FROZEN_MS,
  }));
});

const trusted = () => [{ keyId: keys.key.keyId, publicKey: keys.key.publicKey }];
const at = (ms: number) => () => ms;

describe("verifyToken", () => {
  it("returns the frozen claims of a token minted by a trusted key", async () => {
    const claims = await verifyToken(token, { keys: trusted(), now: at(FROZEN_MS), threadId: "thread-a" });
    expect(claims).toEqual({
      caps: [{ cap: "fs.read", scope: "src/**" }, { cap: "kiwi.search" }],
      aud: "kiwi-tools",
      iss: "kiwi-harness",
      exp: FROZEN_SECONDS + 900,
      iat: FROZEN_SECONDS,
      nbf: FROZEN_SECONDS,
      jti: expect.any(String),
      directive_id: "demo/hello",
      thread_id: "thread-a",
      parent_jti: "parent-1",
    });
    expect(Object.isFrozen(claims) && Object.isFrozen(claims.caps) && Object.isFrozen(claims.caps[0])).toBe(
      true,
    );
  });

  it("accepts a Keyring and picks the key by kid among several", async () => {
    const ring = new Keyring();
    ring.add(keys.foreign.publicKey, "explicit");
    ring.add(keys.key.publicKeyPem, "user");
    const claims = await verifyToken(token, { keys: ring, now: at(FROZEN_MS) });
    expect(claims.thread_id).toBe("thread-a");
    const list = [
      { keyId: keys.foreign.keyId, publicKey: keys.foreign.publicKey },
      { keyId: keys.key.keyId, publicKey: createPublicKey(keys.key.publicKeyPem) },
    ];
    await expect(verifyToken(token, { keys: list, now: at(FROZEN_MS) })).resolves.toBeDefined();
  });

  it("checks the thread only when a threadId is given", async () => {
    await expect(verifyToken(token, { keys: trusted(), now: at(FROZEN_MS) })).resolves.toBeDefined();
    await rejection(verifyToken(token, { keys: trusted(), now: at(FROZEN_MS), threadId: "thread-b" }), {
      reason: "thread_mismatch",
    });
  });

  it("honours audience and issuer options", async () => {
    const mint = (extra: { audience?: string; issuer?: string }) =>
      mintToken({ key: keys.key, grants: [], directiveId: "d", threadId: "t", now: at(FROZEN_MS), ...extra });
    const options = { keys: trusted(), now: at(FROZEN_MS) };
    const forMcp = await mint({ audience: "kiwi-mcp" });
    await rejection(verifyToken(forMcp.token, options), { reason: "wrong_audience" });
    expect((await verifyToken(forMcp.token, { ...options, audience: "kiwi-mcp" })).aud).toBe("kiwi-mcp");
    const byTest = await mint({ issuer: "kiwi-test" });
    await rejection(verifyToken(byTest.token, options), { reason: "wrong_issuer" });
    expect((await verifyToken(byTest.token, { ...options, issuer: "kiwi-test" })).iss).toBe("kiwi-test");
  });

  it("expires with TOKEN_EXPIRED", async () => {
    await rejection(verifyToken(token, { keys: trusted(), now: at(FROZEN_MS + 3_600_000) }), {
      code: "TOKEN_EXPIRED",
      reason: "expired",
    });
  });

  it("refuses invalid options with INVALID_INPUT", async () => {
    const bad = [
      { clockToleranceSeconds: -1 },
      { clockToleranceSeconds: 301 },
      { clockToleranceSeconds: Number.NaN },
      { maxTokenBytes: 0 },
      { maxTokenBytes: 1e9 },
      { audience: "" },
      { issuer: 3 as never },
    ];
    for (const extra of bad) {
      await rejection(verifyToken(token, { keys: trusted(), ...extra }), {
        code: "INVALID_INPUT",
        reason: "invalid_option",
      });
    }
  });

  it("refuses bad key material with KEY_ERROR before looking at the token (T24)", async () => {
    const ed448 = generateKeyPairSync("ed448");
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const x25519 = generateKeyPairSync("x25519");
    const bad: unknown[] = [
      [],
      [{ keyId: keys.key.keyId, publicKey: keys.key.privateKey }],
      [{ keyId: "ed448", publicKey: ed448.publicKey }],
      [{ keyId: "rsa", publicKey: rsa.publicKey }],
      [{ keyId: "x25519", publicKey: x25519.publicKey }],
      [{ keyId: "pem", publicKey: keys.key.publicKeyPem }],
      [{ keyId: "", publicKey: keys.key.publicKey }],
      [
        { keyId: "same", publicKey: keys.key.publicKey },
        { keyId: "same", publicKey: keys.foreign.publicKey },
      ],
      { keys: [] },
    ];
    for (const entry of bad) {
      await expect(verifyToken(token, { keys: entry as never })).rejects.toMatchObject({ code: "KEY_ERROR" });
    }
  });
});
