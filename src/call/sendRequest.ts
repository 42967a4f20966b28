import { ApiError } from '../errors.js'
import type { Endpoint } from '../model/api.js'
import type { ApiRequest } from '../model/provider.js'
import type { TokenSet } from '../model/tokens.js'
import type { ResourceChallenge } from '../oauth/challenge.js'
import { loadSteps } from '../oauth/loadSteps.js'
import { fetchOrUnreachable, parseRetryAfter, unreachable, type HttpDoors } from '../oauth/doors.js'

/** How an API call ended, for the caller to decide: done, or the token was refused. */
export type CallOutcome<Result> =
  | { ok: true; value: Result; status: number }
  /** 401 (token expired, revoked, unknown) or 403 insufficient_scope: a new or wider token may fix it. */
  | { ok: false; refusal: 'token_rejected' | 'insufficient_scope'; challenge: ResourceChallenge }

/** What sending needs of an endpoint: how to read its result, its timeout, whether it may be retried. */
export type SentEndpoint<Result> = Pick<Endpoint<unknown, unknown, Result>, 'method' | 'parseResult' | 'timeoutMs' | 'retry'>

/**
 * Sends an API request with the access token and reads the answer: parsed JSON (or text) on
 * success, a refusal the runtime can act on, or ApiError; ProviderUnreachableError when the API
 * cannot be reached or does not answer in time.
 *
 * The request is the one oauth4webapi's protectedResourceRequest would send (Bearer header,
 * redirects not followed, so the token never goes to another host), sent with fetch directly:
 * the happy path then needs none of oauth4webapi, which loads with the other protocol steps on
 * first need (the core bundle budget). A challenge in the answer is parsed by oauth4webapi.
 * A GET endpoint that allows it is retried after a transient failure (retry.ts, loaded on failure).
 */
export function sendApiRequest<Result>(
  request: ApiRequest,
  tokens: TokenSet,
  doors: HttpDoors,
  endpoint: SentEndpoint<Result>,
): Promise<CallOutcome<Result>> {
  request.headers.set('authorization', `Bearer ${tokens.accessToken}`)
  const send = () => sendOnce(request, doors, endpoint)
  // Decided on failure, so the retry policy loads only then.
  return send().catch(async (error: unknown) => (await import('../oauth/retry.js')).retryCall(send, error, doors, endpoint))
}

async function sendOnce<Result>(request: ApiRequest, doors: HttpDoors, endpoint: SentEndpoint<Result>): Promise<CallOutcome<Result>> {
  const url = request.url.href
  // Aborts the reading of the body too: a server that sends headers and stalls times out as well.
  // A timer cleared when the answer is read, not AbortSignal.timeout: that costs ~13 µs a call in Node 20.
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), endpoint.timeoutMs || doors.apiTimeoutMs)
  try {
    const response = await fetchOrUnreachable(doors, url, {
      method: request.method,
      headers: request.headers,
      body: request.body ?? null,
      redirect: 'manual',
      signal: controller.signal,
    })
    if (response.ok) return { ok: true, value: endpoint.parseResult(await readBody(response, url)), status: response.status }
    const challenge = response.headers.has('www-authenticate') ? await (await loadSteps()).parseChallenge(response) : undefined
    if (response.status === 401) return { ok: false, refusal: 'token_rejected', challenge: challenge ?? { scopes: [] } }
    if (response.status === 403 && challenge?.error === 'insufficient_scope') return { ok: false, refusal: 'insufficient_scope', challenge }
    throw await apiError(response, doors, url, challenge)
  } finally {
    clearTimeout(timer)
  }
}

async function readBody(response: Response, url: string): Promise<unknown> {
  const text = await response.text().catch((error: unknown) => {
    throw unreachable(error, url)
  })
  if (!text) return undefined
  const type = response.headers.get('content-type') ?? ''
  if (!type.includes('json')) return text
  try {
    return JSON.parse(text)
  } catch {
    throw new ApiError({ status: response.status, body: text, error: 'invalid_json' })
  }
}

async function apiError(response: Response, doors: HttpDoors, url: string, challenge?: ResourceChallenge): Promise<ApiError> {
  let body: unknown
  try {
    body = await readBody(response, url)
  } catch (error) {
    // Unparseable JSON is kept as text; a body that did not arrive in time is left out (the status is the answer).
    body = (error as ApiError).body
  }
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'), doors.now())
  // OAuth-style bodies say `error`; many APIs (HMRC) say `code`.
  const fields = body && typeof body === 'object' ? (body as { error?: unknown; code?: unknown }) : {}
  const error = challenge?.error ?? fields.error ?? fields.code
  return new ApiError({
    status: response.status,
    body,
    ...(retryAfter !== undefined && { retryAfter }),
    ...(typeof error === 'string' && { error }),
    ...(challenge?.description && { description: challenge.description }),
  })
}
