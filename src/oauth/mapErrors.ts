import * as oauth from 'oauth4webapi'
import { AuthorizationError, ConsentDeniedError, GrantflowError, TokenEndpointError } from '../errors.js'

type Step = TokenEndpointError['grant']

/**
 * oauth4webapi's errors as grantflow's: the provider's `error` and description are kept, the
 * response body (which may hold tokens on a malformed success) is never copied into a message.
 */
export function toGrantflowError(error: unknown, step: Step): GrantflowError {
  if (error instanceof GrantflowError) return error
  if (error instanceof oauth.AuthorizationResponseError) {
    const details = { error: error.error, description: error.error_description, cause: error }
    return error.error === 'access_denied' ? new ConsentDeniedError(details) : new AuthorizationError(details)
  }
  if (error instanceof oauth.ResponseBodyError) {
    return new TokenEndpointError({ grant: step, status: error.status, error: error.error, description: error.error_description, cause: error })
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const challenge = error.cause[0]
    return new TokenEndpointError({
      grant: step,
      status: error.status,
      error: challenge?.parameters.error ?? (error.status === 401 ? 'invalid_client' : 'invalid_request'),
      description: challenge?.parameters.error_description,
      cause: error,
    })
  }
  if (error instanceof oauth.OperationProcessingError) {
    const status = (error.cause as { status?: unknown } | undefined)?.status
    return new TokenEndpointError({
      grant: step,
      error: error.code === oauth.RESPONSE_IS_NOT_CONFORM ? 'server_error' : 'invalid_response',
      description: error.message,
      ...(typeof status === 'number' && { status }),
      cause: error,
    })
  }
  return new TokenEndpointError({ grant: step, error: 'invalid_response', description: 'the response could not be processed', cause: error })
}
