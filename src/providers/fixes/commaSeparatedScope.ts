import type { ComplianceFix } from './types.js'

/** `"scope": "read,write"` or `["read","write"]` → `"read write"` (RFC 6749 §3.3 says spaces). */
export const commaSeparatedScope: ComplianceFix = {
  name: 'commaSeparatedScope',
  fixTokenResponse({ body }) {
    if (!body) return
    if (Array.isArray(body.scope)) body.scope = body.scope.map(String).join(' ')
    else if (typeof body.scope === 'string' && body.scope.includes(',')) {
      body.scope = body.scope
        .split(/[\s,]+/)
        .filter(Boolean)
        .join(' ')
    }
  },
}
