import * as oauth from 'oauth4webapi'
import { ConfigurationError } from '../../errors.js'
import { isConfidential } from '../../model/client.js'
import type { TokenSet } from '../../model/tokens.js'
import { toOauthClient } from '../../oauth/clientAuth.js'
import type { OAuthContext } from '../../oauth/context.js'
import { requestOptions } from '../../oauth/requestOptions.js'
import { toGrantflowErrorReadingBody } from '../../oauth/mapErrors.js'
import { idempotentFailure, retryStep } from '../../oauth/retry.js'
import { assertUsableTokenResponse, toTokenSet } from '../../oauth/tokenSet.js'

/**
 * Requests a token for the application itself (client credentials grant). Only a confidential
 * client can: a browser cannot keep the secret, so call such endpoints through a server.
 */
export async function requestClientCredentials(context: OAuthContext, scopes: readonly string[]): Promise<TokenSet> {
  if (!isConfidential(context.client)) {
    throw new ConfigurationError(`client ${context.client.clientId} is public: the client credentials grant needs a client that can keep a secret (a server)`)
  }
  const { as, doors } = context
  const { client, auth, certificateFetch } = toOauthClient(context.client, as)
  const parameters: Record<string, string> = {}
  if (scopes.length) parameters.scope = scopes.join(' ')
  if (context.client.resource) parameters.resource = context.client.resource
  // Asking twice only issues a second token: any failure that may pass is tried again.
  return retryStep(doors, idempotentFailure, async () => {
    try {
      const response = await oauth.clientCredentialsGrantRequest(as, client, auth, parameters, requestOptions(doors, as, context.fixes, certificateFetch))
      const result = await oauth.processClientCredentialsResponse(as, client, response)
      assertUsableTokenResponse(result, 'client_credentials')
      return toTokenSet(result, { now: doors.now(), requestedScopes: scopes })
    } catch (error) {
      throw await toGrantflowErrorReadingBody(error, 'client_credentials')
    }
  })
}
