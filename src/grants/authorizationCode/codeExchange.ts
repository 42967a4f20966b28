import * as oauth from 'oauth4webapi'
import { ConfigurationError } from '../../errors.js'
import type { PendingAuthorization } from '../../model/session.js'
import type { TokenSet } from '../../model/tokens.js'
import { toOauthClient } from '../../oauth/clientAuth.js'
import type { OAuthContext } from '../../oauth/context.js'
import { requestOptions } from '../../oauth/requestOptions.js'
import { toGrantflowErrorReadingBody } from '../../oauth/mapErrors.js'
import { assertUsableTokenResponse, toTokenSet } from '../../oauth/tokenSet.js'

/**
 * Exchanges a validated callback's code for tokens, with the PKCE verifier and, for OpenID
 * scopes, the id_token's nonce checked. Call it once per code: providers reject a reused code.
 */
export async function exchangeCode(context: OAuthContext, callback: URLSearchParams, pending: PendingAuthorization): Promise<TokenSet> {
  const { as, doors } = context
  const redirectUri = context.client.redirectUri
  if (!redirectUri) throw new ConfigurationError(`client ${context.client.clientId} has no redirect URI`)
  const { client, auth, certificateFetch } = toOauthClient(context.client, as)
  try {
    const response = await oauth.authorizationCodeGrantRequest(as, client, auth, callback, redirectUri, pending.codeVerifier, {
      ...requestOptions(doors, as, context.fixes, certificateFetch),
      ...(context.client.resource && { additionalParameters: { resource: context.client.resource } }),
    })
    const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
      expectedNonce: pending.nonce ?? oauth.expectNoNonce,
      requireIdToken: pending.nonce !== undefined,
    })
    assertUsableTokenResponse(result, 'authorization_code')
    return toTokenSet(result, { now: doors.now(), requestedScopes: pending.scopes })
  } catch (error) {
    throw await toGrantflowErrorReadingBody(error, 'authorization_code')
  }
}
