import { describe, expect, it } from "vitest";
import { MIN_ENCODED_SECRET_LENGTH, secretForms } from "./secret-forms";

const SECRET = 'sk-ant-api03-Zq/9+x y"z\\é';

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

describe("secretForms", () => {
  it("holds the secret as written, JSON-escaped once and twice, and URL-encoded three ways", () => {
    const forms = secretForms(SECRET);
    const json = JSON.stringify(SECRET).slice(1, -1);
    expect(forms).toContain(SECRET);
    expect(forms).toContain(json);
    expect(forms).toContain(JSON.stringify(json).slice(1, -1));
    expect(forms).toContain(encodeURIComponent(SECRET));
    expect(forms).toContain(new URLSearchParams({ k: SECRET }).toString().slice(2));
    expect(forms).toContain(encodeURIComponent(SECRET).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()));
  });

  it("finds the secret inside any longer base64 text, at every byte alignment, standard and URL-safe", () => {
    const forms = secretForms(SECRET);
    const secret = new TextEncoder().encode(SECRET);
    for (let before = 0; before < 6; before++) {
      for (let after = 0; after < 4; after++) {
        const bytes = new Uint8Array(before + secret.length + after);
        for (let i = 0; i < before; i++) bytes[i] = 200 + i;
        bytes.set(secret, before);
        for (let i = 0; i < after; i++) bytes[before + secret.length + i] = 7 * i + 1;
        const text = b64(bytes);
        const url = text.replaceAll("+", "-").replaceAll("/", "_");
        expect(
          forms.some((f) => text.includes(f)),
          `before ${before} after ${after}`,
        ).toBe(true);
        expect(
          forms.some((f) => url.includes(f)),
          `url-safe, before ${before} after ${after}`,
        ).toBe(true);
      }
    }
  });

  it("gives a short secret no encoded forms (a few base64 characters would match ordinary text)", () => {
    expect(secretForms("hunter2").sort()).toEqual(["hunter2"]);
    for (const form of secretForms("abcdefgh"))
      expect(form.length).toBeGreaterThanOrEqual(MIN_ENCODED_SECRET_LENGTH);
  });
});
