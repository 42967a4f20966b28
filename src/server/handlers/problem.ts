import { InvalidCallbackError, isGrantflowError, ProviderUnreachableError, type GrantflowError, type GrantflowErrorCode } from '../../errors.js'

// Failures as RFC 9457 problem details: the error's class, code and token-free message (the
// provider's `error` and description too), never a cause, a response body or a token.

/** A request the handlers cannot act on: not the method, a field missing, another site's form. */
export class BadRequestError extends Error {
  override readonly name = 'BadRequestError'
  constructor(
    readonly status: 400 | 403 | 404 | 405,
    readonly code: 'bad_request' | 'cross_site_request' | 'no_session' | 'method_not_allowed',
    message: string,
  ) {
    super(message)
  }
}

const STATUS: Record<GrantflowErrorCode, number> = {
  consent_required: 401,
  consent_denied: 403,
  authorization_failed: 400,
  invalid_callback: 400,
  token_endpoint_error: 502,
  insufficient_scope: 403,
  undeclared_scope: 403,
  provider_unreachable: 502,
  outcome_unknown: 504,
  api_error: 502,
  token_expired: 401,
  configuration_error: 500,
  storage_unavailable: 503,
  cancelled: 400,
  unexpected: 500,
}

/** The problem response for a failure of a handler. */
export function problemResponse(error: unknown, headers: HeadersInit = {}): Response {
  const body = isGrantflowError(error) ? grantflowProblem(error) : error instanceof BadRequestError ? requestProblem(error) : unexpectedProblem()
  const response = Response.json(body, { status: body.status, headers })
  response.headers.set('content-type', 'application/problem+json')
  response.headers.set('cache-control', 'no-store')
  return response
}

interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: string
  [extension: string]: unknown
}

function grantflowProblem(error: GrantflowError): Problem {
  const { name, code, message, ...provider } = error.toJSON()
  let status = STATUS[code] ?? 500
  // Brought by someone else than who started the authorization: refused, whoever it is.
  if (error instanceof InvalidCallbackError && error.reason === 'binding_mismatch') status = 403
  if (error instanceof ProviderUnreachableError && error.reason === 'timeout') status = 504
  return {
    type: `urn:grantflow:error:${code}`,
    title: name,
    status,
    detail: message,
    code,
    ...(error instanceof InvalidCallbackError && { reason: error.reason }),
    ...provider,
  }
}

function requestProblem(error: BadRequestError): Problem {
  return { type: `urn:grantflow:error:${error.code}`, title: error.name, status: error.status, detail: error.message, code: error.code }
}

function unexpectedProblem(): Problem {
  // Nothing of an unknown failure goes out: its message may quote anything.
  return { type: 'urn:grantflow:error:unexpected', title: 'UnexpectedError', status: 500, detail: 'the request could not be handled', code: 'unexpected' }
}
