import { type JWTVerifyOptions, jwtVerify } from "jose";
import { type CapabilityClaims, REQUIRED_CLAIMS } from "./capability-claims";
import { checkClaims } from "./check-claims";
import { checkProtectedHeader } from "./check-protected-header";
import { fromJoseError } from "./from-jose-error";
import { TOKEN_DEFAULTS } from "./token-defaults";
import { tokenRejected } from "./token-rejected";
import type { VerifySettings } from "./verify-settings";

const ALGORITHMS = [TOKEN_DEFAULTS.algorithm];
const REQUIRED = [...REQUIRED_CLAIMS];

/**
 * Full verification of a token that already passed `screenToken`: header rules, key by exact `kid`,
 * then jose (signature before any claim, so a forged expired token is a bad_signature, T7), then the
 * claim checks jose leaves out. No thread check: callers add it per call.
 */
export async function verifyScreened(token: string, settings: VerifySettings): Promise<CapabilityClaims> {
  const kid = checkProtectedHeader(token);
  const key = kid === undefined ? undefined : settings.keys.get(kid);
  if (key === undefined) throw tokenRejected("bad_signature");
  const nowMs = settings.now();
  const options: JWTVerifyOptions = {
    algorithms: ALGORITHMS,
    audience: settings.audience,
    issuer: settings.issuer,
    typ: TOKEN_DEFAULTS.type,
    requiredClaims: REQUIRED,
    clockTolerance: settings.clockToleranceSeconds,
    currentDate: new Date(nowMs),
  };
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key, options));
  } catch (error) {
    throw fromJoseError(error);
  }
  return checkClaims(payload, Math.floor(nowMs / 1000), settings.clockToleranceSeconds);
}
