import type { ComplianceFix } from './types.js'

/**
 * `expires_in` sent as a string. oauth4webapi already reads a numeric string ("3600"); what it
 * cannot read, and refuses the whole token response for, is an empty or non-numeric one (`""`,
 * `"null"`, `null`) that some providers send for "unknown". Numeric strings become numbers, the
 * rest is dropped: the lifetime is then unknown and a 401 from the API tells when it ended.
 */
export const expiresInAsString: ComplianceFix = {
  name: 'expiresInAsString',
  fixTokenResponse({ body }) {
    if (!body || !('expires_in' in body) || typeof body.expires_in === 'number') return
    const value = typeof body.expires_in === 'string' ? body.expires_in.trim() : ''
    if (/^\d+(\.\d+)?$/.test(value)) body.expires_in = Math.floor(Number(value))
    else delete body.expires_in
  },
}
