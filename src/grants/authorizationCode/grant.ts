import type { GrantDescriptor } from '../types.js'

/**
 * The authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636): the user consents at the
 * provider and comes back with a code; its tokens are renewed with the refresh token it issued.
 * Steps: startAuthorization, validateCallback, exchangeCode.
 */
export const authorizationCode: GrantDescriptor = { type: 'authorization_code', interaction: 'redirect', renewal: 'refresh' }
