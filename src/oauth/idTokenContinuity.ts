import { TokenEndpointError } from '../errors.js'
import type { TokenSet } from '../model/tokens.js'

/**
 * OpenID Connect Core §12.2: an id_token returned by a refresh must name the same issuer and
 * the same subject as the one from the original authentication. Another `sub` means the grant
 * now speaks for someone else, so the refreshed tokens are refused and nothing is kept.
 * Sessions without an earlier id_token have nothing to compare against.
 */
export function assertSameIdTokenSubject(previous: TokenSet, next: TokenSet): void {
  const before = previous.idTokenClaims
  const after = next.idTokenClaims
  if (!before || !after || after === before) return
  for (const claim of ['iss', 'sub'] as const) {
    if (after[claim] !== before[claim]) {
      throw new TokenEndpointError({
        grant: 'refresh_token',
        error: 'invalid_id_token',
        description: `the refreshed id_token's "${claim}" differs from the original's`,
      })
    }
  }
}
