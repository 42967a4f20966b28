import type { ComplianceFix } from './types.js'

/**
 * Some providers omit `token_type` (required by RFC 6749 §5.1); the token is a bearer token.
 * Case is not a fix's job: oauth4webapi compares token types case-insensitively, so HMRC's
 * `"bearer"` is already accepted.
 */
export const missingTokenType: ComplianceFix = {
  name: 'missingTokenType',
  fixTokenResponse({ body }) {
    if (body && typeof body.access_token === 'string' && (body.token_type === undefined || body.token_type === '')) {
      body.token_type = 'Bearer'
    }
  },
}
