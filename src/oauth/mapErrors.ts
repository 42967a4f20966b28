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

/**
 * {@link toGrantflowError}, reading what oauth4webapi leaves unread: a 5xx answer's JSON body.
 * A provider that says `temporarily_unavailable` (or its own code) with a 503 is believed, as it
 * would be with a 400; only `error` and `error_description` are taken from the body.
 */
export async function toGrantflowErrorReadingBody(error: unknown, step: Step): Promise<GrantflowError> {
  const response = error instanceof oauth.OperationProcessingError && error.code === oauth.RESPONSE_IS_NOT_CONFORM ? error.cause : undefined
  if (response instanceof Response && response.status >= 500 && !response.bodyUsed) {
    const body = (await response.clone().json().catch(() => undefined)) as { error?: unknown; error_description?: unknown } | undefined
    if (body && typeof body.error === 'string' && /^[\x20-\x7e]{1,100}$/.test(body.error)) {
      return new TokenEndpointError({
        grant: step,
        status: response.status,
        error: body.error,
        ...(typeof body.error_description === 'string' && { description: body.error_description }),
        cause: error,
      })
    }
  }
  return toGrantflowError(error, step)
}
