import type { ComplianceFix } from './types.js'

/** A token response sent as `application/x-www-form-urlencoded` (GitHub's default) instead of JSON. */
export const formEncodedTokenResponse: ComplianceFix = {
  name: 'formEncodedTokenResponse',
  fixTokenResponse(draft) {
    if (draft.body) return
    const type = draft.headers.get('content-type') ?? ''
    if (!type.includes('application/x-www-form-urlencoded') && !/^[\w.~%-]+=[^{]*$/.test(draft.text.trim())) return
    const params = new URLSearchParams(draft.text.trim())
    if (!params.has('access_token') && !params.has('error')) return
    draft.body = Object.fromEntries(params)
  },
}
