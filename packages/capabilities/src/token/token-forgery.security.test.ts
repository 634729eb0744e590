// Battery §2.1 T1–T5, T7 and T15: forged, re-signed and re-keyed tokens.
import { createHmac } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { tempProject } from "@kiwi/testing";
import { jwtVerify } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
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
// A loopback server standing in for an attacker's JWKS host: any request to it is a failure.
let requests = 0;
const attackerHost = createServer((_req, res) => {
  requests++;
  res.end("{}");
});
let attackerUrl = "";

beforeAll(async () => {
  keys = await makeKeys();
  ({ token } = await mintToken({
    key: keys.key,
    grants: [{ cap: "fs.read", scope: "src/**" }],
    directiveId: "demo/hello",
    threadId: "thread-a",
    now: () => FROZEN_MS,
  }));
  await new Promise<void>((resolve) => attackerHost.listen(0, "127.0.0.1", resolve));
  attackerUrl = `http://127.0.0.1:${(attackerHost.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => attackerHost.close(() => resolve())));

const trusted = () => [{ keyId: keys.key.keyId, publicKey: keys.key.publicKey }];

describe.each(verificationPaths(trusted, clock.now))("forgery through %s", (_name, make) => {
  let check: Check;
  beforeEach(() => {
    clock.set(FROZEN_MS);
    check = make();
  });

  it("accepts the genuine token (control)", async () => {
    await expect(check(token, "thread-a")).resolves.toMatchObject({ thread_id: "thread-a" });
  });

  it("T1: alg none, with an empty or a junk signature, is alg_rejected", async () => {
    const payload = b64url(JSON.stringify(baseClaims({ caps: [{ cap: "fs.write", scope: "**" }] })));
    for (const alg of ["none", "None", "NONE"]) {
      const head = b64url(JSON.stringify(header(keys.key, { alg })));
      await rejection(check(`${head}.${payload}.`), { reason: "alg_rejected" });
      await rejection(check(`${head}.${payload}.${b64url("sig")}`), { reason: "alg_rejected" });
    }
  });

  it("T2: HS256 keyed with the public key bytes (RS/HS confusion) is alg_rejected", async () => {
    const secrets = [
      keys.key.publicKey.export({ type: "spki", format: "der" }),
      Buffer.from(keys.key.publicKeyPem),
      Buffer.from(keys.key.publicKey.export({ format: "jwk" }).x ?? "", "base64url"),
    ];
    for (const secret of secrets) {
      const input = `${b64url(JSON.stringify(header(keys.key, { alg: "HS256" })))}.${b64url(JSON.stringify(baseClaims()))}`;
      const forged = `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
      await rejection(check(forged), { reason: "alg_rejected" });
      // jose alone refuses too (a public KeyObject is no HMAC secret): two independent walls.
      await expect(jwtVerify(forged, keys.key.publicKey)).rejects.toThrow();
    }
  });

  it("T3: alg Ed25519 is alg_rejected although jose alone would accept it", async () => {
    const ed25519 = signRaw({
      header: header(keys.key, { alg: "Ed25519" }),
      payload: baseClaims(),
      privateKey: keys.key.privateKey,
    });
    await rejection(check(ed25519), { reason: "alg_rejected" });
    await expect(
      jwtVerify(ed25519, keys.key.publicKey, { currentDate: new Date(FROZEN_MS) }),
    ).resolves.toBeDefined();
  });

  it("T4: a token signed by a foreign key is bad_signature, with its own kid or ours", async () => {
    const mint = (keyId: string) =>
      mintToken({
        key: { ...keys.foreign, keyId },
        grants: [{ cap: "fs.write", scope: "**" }],
        directiveId: "demo/hello",
        threadId: "thread-a",
        now: () => FROZEN_MS,
      });
    await rejection(check((await mint(keys.foreign.keyId)).token), { reason: "bad_signature" });
    await rejection(check((await mint(keys.key.keyId)).token), { reason: "bad_signature" });
  });

  it("T5: an edited payload under the original signature is bad_signature", async () => {
    const [head, body, signature] = token.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    const edits = [
      { ...claims, caps: [...claims.caps, { cap: "fs.write", scope: "**" }] },
      { ...claims, thread_id: "thread-b" },
      { ...claims, exp: claims.exp + 86_000 },
    ];
    for (const edited of edits) {
      await rejection(check(`${head}.${b64url(JSON.stringify(edited))}.${signature}`), {
        reason: "bad_signature",
      });
    }
  });

  it("T7: forged and expired is bad_signature, not expired (signature before claims)", async () => {
    const expired = baseClaims({
      iat: FROZEN_SECONDS - 7200,
      nbf: FROZEN_SECONDS - 7200,
      exp: FROZEN_SECONDS - 3600,
    });
    const forged = signRaw({
      header: header(keys.key),
      payload: expired,
      privateKey: keys.foreign.privateKey,
    });
    await rejection(check(forged), { reason: "bad_signature" });
    const genuine = signRaw({ header: header(keys.key), payload: expired, privateKey: keys.key.privateKey });
    await rejection(check(genuine), { code: "TOKEN_EXPIRED", reason: "expired" });
  });

  it("T15: kid is an exact map key only: path, SQL and prototype-looking kids are bad_signature", async () => {
    const pemFile = join((await tempProject({ prefix: "kiwi-attacker" })).base, "attacker.pub");
    await writeFile(pemFile, keys.foreign.publicKeyPem);
    const kids: unknown[] = [
      "../../../../dev/null",
      pemFile, // a file holding the attacker's key: reading it would make the forgery verify
      "' OR 1=1 --",
      "__proto__",
      "constructor",
      "toString",
      "",
      123,
      null,
      [keys.key.keyId],
      `${keys.key.keyId} `,
      keys.key.keyId.toUpperCase(),
    ];
    for (const kid of kids) {
      const forged = signRaw({
        header: header(keys.key, { kid }),
        payload: baseClaims(),
        privateKey: keys.foreign.privateKey,
      });
      await rejection(check(forged), { reason: "bad_signature" });
    }
    const noKid = signRaw({
      header: header(keys.key, { kid: undefined }),
      payload: baseClaims(),
      privateKey: keys.key.privateKey,
    });
    await rejection(check(noKid), { reason: "bad_signature" });
  });

  it("T15: a 10 KB kid is too_large by default and bad_signature under a larger cap", async () => {
    const forged = signRaw({
      header: header(keys.key, { kid: "k".repeat(10_240) }),
      payload: baseClaims(),
      privateKey: keys.key.privateKey,
    });
    await rejection(check(forged), { reason: "too_large" });
    await rejection(make({ maxTokenBytes: 65_536 })(forged), { reason: "bad_signature" });
  });

  it("T15: jku, x5u, jwk and x5c never select a key and are never fetched", async () => {
    const attackerJwk = keys.foreign.publicKey.export({ format: "jwk" });
    const extras = {
      jwk: attackerJwk,
      jku: `${attackerUrl}/jwks.json`,
      x5u: `${attackerUrl}/cert.pem`,
      x5c: [Buffer.from(keys.foreign.publicKeyPem).toString("base64")],
    };
    for (const kid of [keys.foreign.keyId, keys.key.keyId, undefined]) {
      const forged = signRaw({
        header: header(keys.key, { ...extras, kid }),
        payload: baseClaims({ caps: [{ cap: "fs.write", scope: "**" }] }),
        privateKey: keys.foreign.privateKey,
      });
      await rejection(check(forged), { reason: "bad_signature" });
    }
    // The same headers on a genuine token change nothing either: the trusted key decides.
    const genuine = signRaw({
      header: header(keys.key, extras),
      payload: baseClaims(),
      privateKey: keys.key.privateKey,
    });
    await expect(check(genuine)).resolves.toBeDefined();
    expect(requests).toBe(0);
  });
});
