/** Secrets shorter than this get no encoded forms: a few base64 characters would match ordinary text. */
export const MIN_ENCODED_SECRET_LENGTH = 8;

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/**
 * The base64 text a secret becomes inside a longer base64 string, for each of the three byte alignments
 * it can start at: only the characters that depend on the secret's bytes alone (the first and last
 * characters also carry bits of the neighbouring bytes, so they are left out). Standard and URL-safe.
 */
function base64Forms(secret: string): string[] {
  const bytes = new TextEncoder().encode(secret);
  const out: string[] = [];
  for (let align = 0; align < 3; align++) {
    const padded = new Uint8Array(align + bytes.length + 2);
    padded.set(bytes, align);
    const text = base64(padded);
    // Character j holds bits 6j…6j+5: keep those that lie inside the secret's bits 8·align … 8·(align+n).
    const form = text.slice(Math.ceil((8 * align) / 6), Math.floor((8 * (align + bytes.length)) / 6));
    out.push(form, form.replaceAll("+", "-").replaceAll("/", "_"));
  }
  return out;
}

/**
 * Every form a secret is looked for in: as written, JSON-escaped (once, and twice for JSON inside a JSON
 * string), URL-encoded (`encodeURIComponent`, form encoding with `+` for spaces, lower-case hex) and
 * base64 (standard and URL-safe, all three alignments). Secrets shorter than
 * {@link MIN_ENCODED_SECRET_LENGTH} get only the first three; encoded forms shorter than that are dropped.
 */
export function secretForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const forms = new Set([secret, json, JSON.stringify(json).slice(1, -1)]);
  if (secret.length >= MIN_ENCODED_SECRET_LENGTH) {
    const url = encodeURIComponent(secret);
    const encoded = [
      url,
      url.replaceAll("%20", "+"),
      url.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()),
      ...base64Forms(secret),
    ];
    for (const form of encoded) if (form.length >= MIN_ENCODED_SECRET_LENGTH) forms.add(form);
  }
  forms.delete("");
  return [...forms];
}
