import type { ComplianceFix } from './types.js'

/** `"expires_in": "3600"` → `3600` (some providers quote every value). */
export const expiresInAsString: ComplianceFix = {
  name: 'expiresInAsString',
  fixTokenResponse({ body }) {
    if (body && typeof body.expires_in === 'string' && /^\s*\d+\s*$/.test(body.expires_in)) {
      body.expires_in = Number(body.expires_in)
    }
  },
}
