// Public API of @kiwi/capabilities, listed by name on purpose (no `export *`): what is not here is internal.
// Pure policy only: no file I/O lives here (the path sandbox and the filesystem primitive are @kiwi/sandbox).

export type { DroppedGrant } from "./attenuation/attenuate";
export { attenuate } from "./attenuation/attenuate";
export type { CapabilityDefinition, ScopeKind } from "./definitions/capability-definition";
export { SYSTEM_FLOOR } from "./definitions/capability-definition";
export { CapabilityRegistry } from "./definitions/capability-registry";
export { intersectPatterns } from "./glob/intersect-patterns";
export { isSubPattern } from "./glob/is-sub-pattern";
export { matchPath } from "./glob/match-path";
export { matchToolId } from "./glob/match-tool-id";
export type { UnsafeCharKind } from "./glob/unsafe-char-kind";
export { unsafeCharKind } from "./glob/unsafe-char-kind";
export { utf8ByteLength } from "./glob/utf8-byte-length";
export type { PatternKind } from "./glob/validate-pattern";
export { validatePattern } from "./glob/validate-pattern";
export type { CategoryScope, Grant, OrchestrationScope } from "./grant";
export type { CapabilityGuard } from "./guard/capability-guard";
export { createCapabilityGuard } from "./guard/capability-guard";
export { capabilityDenied, suggestionFor } from "./guard/denial";
export { primitiveFloor } from "./guard/primitive-floor";
export type { AuthorizationDecision } from "./guard/record-authorization";
export { AUTHZ_ATTRIBUTES, recordAuthorization } from "./guard/record-authorization";
export { orchestrationAdmits, scopeAdmits } from "./orchestration/orchestration-admits";
export type { IsProtectedPathOptions, ProtectedPathVerdict } from "./paths/is-protected-path";
export { isProtectedPath } from "./paths/is-protected-path";
export type { ProtectedPathDenial } from "./paths/protected-path-denial";
export { protectedPathDenial } from "./paths/protected-path-denial";
export type { DirectivePermissions, PermissionTag } from "./permissions/directive-permissions";
export { mcpServerId } from "./permissions/mcp-server-id";
export {
  assertNoSystemCaps,
  dropSystemCaps,
  permissionsToGrants,
  systemCapsIn,
} from "./permissions/permissions-to-grants";
export type { CapabilityClaims } from "./token/capability-claims";
export type { MintedToken, MintTokenOptions } from "./token/mint-token";
export { mintToken } from "./token/mint-token";
export { TOKEN_DEFAULTS } from "./token/token-defaults";
export type { TokenVerifierOptions } from "./token/token-verifier";
export { TokenVerifier } from "./token/token-verifier";
export type { VerifyTokenOptions } from "./token/verify-token";
export { verifyToken } from "./token/verify-token";
