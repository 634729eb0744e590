// Public API of @kiwi/keys, listed by name on purpose (no `export *`).
export { keyIdOf } from "./key-id";
export { keyPaths, loadOrCreateSigningKey } from "./signing-key";
export type { KeyPaths, SigningKey } from "./signing-key";
export { Keyring, loadKeyring } from "./keyring";
export type { TrustedKey } from "./keyring";
export { signBytes, verifyBytes } from "./sign-bytes";
