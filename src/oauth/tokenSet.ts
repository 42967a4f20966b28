import * as oauth from 'oauth4webapi'
import { TokenEndpointError } from '../errors.js'
import type { TokenSet } from '../model/tokens.js'

/** The last instant a JavaScript Date can hold (ECMAScript §21.4.1.1). */
const MAX_DATE_MS = 8.64e15
/** Visible ASCII (RFC 6749 §A.12, 1*VSCHAR) without surrounding spaces, which a header drops. */
const SENDABLE_TOKEN = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/

/**
 * Refuses a token response that would fail later, and confusingly, if kept:
 * - an access token that cannot go on an Authorization header as it was issued (a line break, a
 *   NUL, a character beyond ASCII) would fail every call made with it with Headers' TypeError;
 * - an id_token whose `sub` is empty names nobody (OpenID Connect Core §2: a non-empty identifier
 *   for the user), yet would pass the continuity check of every refresh that keeps it empty.
 *   oauth4webapi checks only that it is a string.
 */
export function assertUsableTokenResponse(response: oauth.TokenEndpointResponse, grant: TokenEndpointError['grant']): void {
  if (!SENDABLE_TOKEN.test(response.access_token)) {
    throw new TokenEndpointError({
      grant,
      error: 'invalid_response',
      description: 'the access_token is not visible ASCII (RFC 6749 §A.12), so it cannot be sent in a header',
    })
  }
  const claims = oauth.getValidatedIdTokenClaims(response)
  if (claims && claims.sub === '') {
    throw new TokenEndpointError({ grant, error: 'invalid_id_token', description: 'the id_token\'s "sub" is empty, so it names no user' })
  }
}

/**
 * A token endpoint response as grantflow keeps it: expiry made absolute at receipt (so it means
 * the same after a reload or a laptop's sleep), scopes as a list, and the refresh token kept from
 * `previous` when the provider did not rotate it.
 */
export function toTokenSet(
  response: oauth.TokenEndpointResponse,
  context: { now: number; requestedScopes: readonly string[]; previous?: TokenSet | undefined },
): TokenSet {
  const tokens: TokenSet = {
    accessToken: response.access_token,
    tokenType: response.token_type,
    scopes: response.scope !== undefined ? response.scope.split(' ').filter(Boolean) : [...context.requestedScopes],
  }
  const refreshToken = response.refresh_token ?? context.previous?.refreshToken
  if (refreshToken) tokens.refreshToken = refreshToken
  // A lifetime beyond any date (1e308 seconds) would make the expiry Infinity: taken as none given.
  const expiresAt = typeof response.expires_in === 'number' ? context.now + response.expires_in * 1000 : NaN
  if (Number.isFinite(expiresAt) && expiresAt <= MAX_DATE_MS) {
    tokens.expiresAt = expiresAt
    tokens.receivedAt = context.now
  }
  const claims = oauth.getValidatedIdTokenClaims(response)
  if (claims) tokens.idTokenClaims = { ...claims }
  // The token response's scope is the access token's: one bound to a resource (RFC 8707) leaves
  // out openid, which the id_token (now, or at the first exchange) proves was granted.
  const openidGranted = claims !== undefined || context.previous?.scopes.includes('openid')
  if (openidGranted && context.requestedScopes.includes('openid') && !tokens.scopes.includes('openid')) tokens.scopes.push('openid')
  // Likewise offline_access: the refresh token is the proof it was granted.
  if (tokens.refreshToken && context.requestedScopes.includes('offline_access') && !tokens.scopes.includes('offline_access')) {
    tokens.scopes.push('offline_access')
  }
  return tokens
}
