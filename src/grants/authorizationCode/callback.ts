import * as oauth from 'oauth4webapi'
import { InvalidCallbackError } from '../../errors.js'
import type { PendingAuthorization } from '../../model/session.js'
import { callbackParameters } from '../../oauth/callbackParameters.js'
import type { OAuthContext } from '../../oauth/context.js'
import { summaryOf, toGrantflowError } from '../../oauth/mapErrors.js'

/**
 * Checks a callback against the pending authorization: `state` always, `iss` where the provider
 * sends it or promises to (RFC 9207), provider errors (access_denied...), and a code present.
 * The provider's error is only believed once the state matched, so a forged callback cannot
 * pass itself off as a denial.
 */
export function validateCallback(
  context: Pick<OAuthContext, 'as' | 'client'>,
  callback: string | URL | URLSearchParams,
  pending: PendingAuthorization | undefined,
): URLSearchParams {
  if (!pending) throw new InvalidCallbackError('no_pending_authorization')
  const parameters = callbackParameters(callback)
  let validated: URLSearchParams
  try {
    validated = oauth.validateAuthResponse(context.as, { client_id: context.client.clientId }, parameters, pending.state)
  } catch (error) {
    // oauth4webapi's error holds the callback's parameters (the code) and the expected state.
    const cause = summaryOf(error)
    if (error instanceof oauth.OperationProcessingError) {
      if (error.message.includes('"iss"')) throw new InvalidCallbackError('iss_mismatch', { cause })
      if (error.message.includes('"state"')) throw new InvalidCallbackError('state_mismatch', { cause })
      throw new InvalidCallbackError('malformed', { cause })
    }
    if (error instanceof oauth.AuthorizationResponseError) throw toGrantflowError(error, 'authorization_code')
    throw new InvalidCallbackError('malformed', { cause })
  }
  if (!validated.get('code')) throw new InvalidCallbackError('missing_code')
  // Two codes: which one the provider issued cannot be told (oauth4webapi would refuse it later, as the token endpoint's fault).
  if (validated.getAll('code').length > 1) throw new InvalidCallbackError('malformed')
  return validated
}
