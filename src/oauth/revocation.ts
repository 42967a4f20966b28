import * as oauth from 'oauth4webapi'
import type { TokenSet } from '../model/tokens.js'
import { toOauthClient } from './clientAuth.js'
import type { OAuthContext } from './context.js'
import { requestOptions } from './requestOptions.js'
import { toGrantflowErrorReadingBody } from './mapErrors.js'
import { idempotentFailure, retryStep } from './retry.js'

/**
 * Revokes a session's tokens at the provider (RFC 7009): the refresh token when there is one
 * (which ends the grant), else the access token. Returns false when the provider has no
 * revocation endpoint, so the caller knows only the local copy was forgotten.
 */
export async function revokeTokens(context: OAuthContext, tokens: TokenSet): Promise<boolean> {
  const { as, doors } = context
  if (!as.revocation_endpoint) return false
  const { client, auth, certificateFetch } = toOauthClient(context.client, as)
  const [token, hint] = tokens.refreshToken ? [tokens.refreshToken, 'refresh_token'] : [tokens.accessToken, 'access_token']
  // Revoking a revoked token is no error (RFC 7009 §2.2): any failure that may pass is tried again.
  return retryStep(doors, idempotentFailure, async () => {
    try {
      const response = await oauth.revocationRequest(as, client, auth, token, {
        ...requestOptions(doors, as, context.fixes, certificateFetch),
        additionalParameters: { token_type_hint: hint },
      })
      await oauth.processRevocationResponse(response)
      return true
    } catch (error) {
      throw await toGrantflowErrorReadingBody(error, 'revocation')
    }
  })
}
