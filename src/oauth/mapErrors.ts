import * as oauth from 'oauth4webapi'
import { AuthorizationError, ConsentDeniedError, GrantflowError, TokenEndpointError } from '../errors.js'

type Step = TokenEndpointError['grant']

const OAUTH_ERRORS = [
  oauth.OperationProcessingError,
  oauth.UnsupportedOperationError,
  oauth.ResponseBodyError,
  oauth.AuthorizationResponseError,
  oauth.WWWAuthenticateChallengeError,
]

/**
 * What a grantflow error keeps of the error it replaces, as its `cause`: the name, the `code` and,
 * from oauth4webapi, the message (its messages name fields, never their values). Nothing else: the
 * original's `cause` and `response` hold the response body (on a malformed success, the token
 * response, tokens and all), the callback's code and state, or a JSON parser's quote of the body.
 */
export function summaryOf(error: unknown): Error {
  const original = error instanceof Error ? error : undefined
  const fromOauth = OAUTH_ERRORS.some((type) => error instanceof type)
  const summary = new Error(fromOauth ? original!.message : 'the response could not be processed')
  summary.name = original?.name ?? 'Error'
  const code = (error as { code?: unknown } | undefined)?.code
  if (typeof code === 'string') Object.assign(summary, { code })
  // What a retry needs of the answer: how long the server asked to wait (no body, no token).
  const source = error as { response?: unknown; cause?: unknown } | undefined
  const response = source?.response ?? source?.cause
  const retryAfter = response instanceof Response ? response.headers.get('retry-after') : null
  if (retryAfter) Object.assign(summary, { retryAfter })
  return summary
}

/**
 * oauth4webapi's errors as grantflow's: the provider's `error` and description are kept, the
 * response body (which may hold tokens on a malformed success) is never copied into a message
 * nor reachable from the error: the `cause` is a {@link summaryOf} the original.
 */
export function toGrantflowError(error: unknown, step: Step): GrantflowError {
  if (error instanceof GrantflowError) return error
  if (error instanceof oauth.AuthorizationResponseError) {
    const details = { error: error.error, description: error.error_description, cause: summaryOf(error) }
    return error.error === 'access_denied' ? new ConsentDeniedError(details) : new AuthorizationError(details)
  }
  if (error instanceof oauth.ResponseBodyError) {
    return new TokenEndpointError({ grant: step, status: error.status, error: error.error, description: error.error_description, cause: summaryOf(error) })
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const challenge = error.cause[0]
    return new TokenEndpointError({
      grant: step,
      status: error.status,
      error: challenge?.parameters.error ?? (error.status === 401 ? 'invalid_client' : 'invalid_request'),
      description: challenge?.parameters.error_description,
      cause: summaryOf(error),
    })
  }
  if (error instanceof oauth.OperationProcessingError) {
    const status = (error.cause as { status?: unknown } | undefined)?.status
    return new TokenEndpointError({
      grant: step,
      error: error.code === oauth.RESPONSE_IS_NOT_CONFORM ? 'server_error' : 'invalid_response',
      description: error.message,
      ...(typeof status === 'number' && { status }),
      cause: summaryOf(error),
    })
  }
  return new TokenEndpointError({ grant: step, error: 'invalid_response', description: 'the response could not be processed', cause: summaryOf(error) })
}

/**
 * {@link toGrantflowError}, reading what oauth4webapi leaves unread: a 5xx answer's JSON body.
 * A provider that says `temporarily_unavailable` (or its own code) with a 503 is believed, as it
 * would be with a 400; only `error` and `error_description` are taken from the body.
 */
export async function toGrantflowErrorReadingBody(error: unknown, step: Step): Promise<GrantflowError> {
  const response = error instanceof oauth.OperationProcessingError && error.code === oauth.RESPONSE_IS_NOT_CONFORM ? error.cause : undefined
  if (response instanceof Response && response.status >= 500 && !response.bodyUsed) {
    const body = (await response
      .clone()
      .json()
      .catch(() => undefined)) as { error?: unknown; error_description?: unknown } | undefined
    if (body && typeof body.error === 'string' && /^[\x20-\x7e]{1,100}$/.test(body.error)) {
      return new TokenEndpointError({
        grant: step,
        status: response.status,
        error: body.error,
        ...(typeof body.error_description === 'string' && { description: body.error_description }),
        cause: summaryOf(error),
      })
    }
  }
  return toGrantflowError(error, step)
}
