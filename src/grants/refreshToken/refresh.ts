import * as oauth from 'oauth4webapi'
import { TokenEndpointError } from '../../errors.js'
import type { TokenSet } from '../../model/tokens.js'
import { toOauthClient } from '../../oauth/clientAuth.js'
import type { OAuthContext } from '../../oauth/context.js'
import { requestOptions } from '../../oauth/requestOptions.js'
import { toGrantflowErrorReadingBody } from '../../oauth/mapErrors.js'
import { retryStep, unprocessedFailure } from '../../oauth/retry.js'
import { assertUsableTokenResponse, toTokenSet } from '../../oauth/tokenSet.js'
import { assertSameIdTokenSubject } from '../../oauth/idTokenContinuity.js'

/**
 * Refreshes an access token. A rotated refresh token replaces the old one; when the provider
 * returns none, the old one is kept (RFC 6749 §6 allows either).
 */
export async function refreshTokens(context: OAuthContext, tokens: TokenSet): Promise<TokenSet> {
  if (!tokens.refreshToken) {
    throw new TokenEndpointError({ grant: 'refresh_token', error: 'invalid_grant', description: 'the session has no refresh token' })
  }
  const { as, doors } = context
  const { client, auth, certificateFetch } = toOauthClient(context.client, as)
  const refreshToken = tokens.refreshToken
  try {
    // Retried only when the provider provably did not process it (see unprocessedFailure):
    // sending a refresh token it may have spent could revoke the whole grant.
    const result = await retryStep(doors, unprocessedFailure, async () => {
      try {
        const response = await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, {
          ...requestOptions(doors, as, context.fixes, certificateFetch),
          ...(context.client.resource && { additionalParameters: { resource: context.client.resource } }),
        })
        return await oauth.processRefreshTokenResponse(as, client, response)
      } catch (error) {
        throw await toGrantflowErrorReadingBody(error, 'refresh_token')
      }
    })
    assertUsableTokenResponse(result, 'refresh_token')
    const next = toTokenSet(result, { now: doors.now(), requestedScopes: tokens.scopes, previous: tokens })
    // A refresh does not re-authenticate the user: keep the claims of the original id_token.
    if (!next.idTokenClaims && tokens.idTokenClaims) next.idTokenClaims = tokens.idTokenClaims
    assertSameIdTokenSubject(tokens, next)
    return next
  } catch (error) {
    throw await toGrantflowErrorReadingBody(error, 'refresh_token')
  }
}
