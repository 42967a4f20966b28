import type { ComplianceFix } from './types.js'

/** A token error sent with HTTP 200 (`{"error":"invalid_grant"}`): give it the 400 RFC 6749 §5.2 requires. */
export const errorWithStatus200: ComplianceFix = {
  name: 'errorWithStatus200',
  fixTokenResponse(draft) {
    if (draft.status === 200 && draft.body && typeof draft.body.error === 'string' && draft.body.access_token === undefined) {
      draft.status = 400
    }
  },
}
