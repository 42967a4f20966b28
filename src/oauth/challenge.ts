import type * as oauth from 'oauth4webapi'

/** What a protected resource said when it refused a token (RFC 6750 §3). */
export interface ResourceChallenge {
  /** `invalid_token` (expired, revoked), `insufficient_scope`, `invalid_request`, or absent. */
  error?: string
  description?: string
  /** The scopes the resource needs, when it said. */
  scopes: string[]
}

/**
 * The Bearer (or DPoP) challenge among those oauth4webapi parsed from a WWW-Authenticate header
 * (it rejects protected resource responses carrying one with WWWAuthenticateChallengeError).
 */
export function readChallenge(challenges: readonly oauth.WWWAuthenticateChallenge[]): ResourceChallenge {
  const challenge = challenges.find((c) => c.scheme === 'bearer' || c.scheme === 'dpop') ?? challenges[0]
  const { error, error_description, scope } = challenge?.parameters ?? {}
  return {
    ...(error && { error }),
    ...(error_description && { description: error_description }),
    scopes: scope ? scope.split(' ').filter(Boolean) : [],
  }
}
