// Public API of @kiwi/keys, listed by name on purpose (no `export *`).
export { keyIdOf } from "./key-id";
export type { TrustedKey } from "./keyring";
export { Keyring, loadKeyring } from "./keyring";
export { signBytes, verifyBytes } from "./sign-bytes";
export type { KeyPaths, SigningKey } from "./signing-key";
export { keyPaths, loadOrCreateSigningKey } from "./signing-key";
export type { TrustedKeyFile } from "./trust-store";
export {
  listTrustedKeys,
  parseTrustablePublicKey,
  removeTrustedKey,
  trustedFileName,
  trustPublicKey,
} from "./trust-store";
