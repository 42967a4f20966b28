import type { ComplianceFix } from './types.js'

/**
 * Odoo REST sends `access_token_validity`, an absolute date ("2026-05-01 12:00:00", UTC), instead
 * of `expires_in`; turn it into seconds from now so expiry is computed like any other provider's.
 */
export const accessTokenValidity: ComplianceFix = {
  name: 'accessTokenValidity',
  fixTokenResponse({ body }, { now }) {
    if (!body || body.expires_in !== undefined || typeof body.access_token_validity !== 'string') return
    const raw = body.access_token_validity.trim()
    // Odoo's datetime format has a space and no zone: it is UTC.
    const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(raw) ? raw.replace(' ', 'T') : `${raw.replace(' ', 'T')}Z`
    const at = Date.parse(iso)
    if (Number.isNaN(at)) return
    body.expires_in = Math.max(0, Math.floor((at - now) / 1000))
  },
}
