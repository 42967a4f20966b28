import type { RequestAuthorizer } from './authorizer.js'

/**
 * Sends the access token as a bearer token (RFC 6750 §2.1): `Authorization: Bearer <token>`.
 * Synchronous: every call with a valid token goes through it (bench/parts/overhead.ts).
 *
 * @example
 * bearer(request, tokens) // request.headers.get('authorization') === `Bearer ${tokens.accessToken}`
 */
export const bearer: RequestAuthorizer = (request, tokens) => {
  request.headers.set('authorization', `Bearer ${tokens.accessToken}`)
}
