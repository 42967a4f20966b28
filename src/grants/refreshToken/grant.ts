import type { GrantDescriptor } from '../types.js'

/**
 * The refresh token grant (RFC 6749 §6): renews another grant's tokens without the user. It is
 * itself renewed by nothing: when the refresh token is refused, the grant it came from runs again.
 * Step: refreshTokens.
 */
export const refreshToken: GrantDescriptor = { type: 'refresh_token', interaction: 'none', renewal: 'none' }
