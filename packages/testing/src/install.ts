// Public API of @kiwi/testing/install, listed by name on purpose (no `export *`): a package installed
// into a temp project with its items signed by a publisher the project's user trusts.

export type {
  CreateSigningKernel,
  InstallSignedOptions,
  SignedInstall,
  SigningKernel,
} from "./install-signed";
export { installSigned } from "./install-signed";
