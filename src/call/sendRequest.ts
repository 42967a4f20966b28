import { ApiError, ProviderUnreachableError } from '../errors.js'
import type { Endpoint } from '../model/api.js'
import type { ApiRequest } from '../model/provider.js'
import type { TokenSet } from '../model/tokens.js'
import type { RequestAuthorizer } from './authorizer.js'
import { bearer } from './bearer.js'
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
 * The token goes on the request through `authorize`, by default the one its token type calls
 * for (see authorizerFor: bearer, or a ConfigurationError for a type not configured). The
 * request is the one oauth4webapi's protectedResourceRequest would send (redirects not followed,
 * so the token never goes to another host), sent with fetch directly: the happy path then needs
 * none of oauth4webapi, which loads with the other protocol steps on first need (the core bundle
 * budget). A challenge in the answer is parsed by oauth4webapi.
 * A GET endpoint that allows it is retried after a transient failure (retry.ts, loaded on failure).
 */
export async function sendApiRequest<Result>(
  request: ApiRequest,
  tokens: TokenSet,
  doors: HttpDoors,
  endpoint: SentEndpoint<Result>,
  authorize?: RequestAuthorizer,
): Promise<CallOutcome<Result>> {
  // A bearer token (oauth4webapi lowercases the type) needs nothing loaded; any other type is
  // decided by authorizerFor, which loads with the protocol steps.
  authorize ??= tokens.tokenType === 'bearer' ? bearer : (await loadSteps()).authorizerFor(tokens)
  // Awaited only when the authorizer is asynchronous: a bearer token costs no extra turn.
  const authorizing = authorize(request, tokens)
  if (authorizing) await authorizing
  try {
    return await sendOnce(request, doors, endpoint)
  } catch (error) {
    // Decided on failure, so the retry policy loads only then. Each retry is authorized afresh.
    return (await import('../oauth/retry.js')).retryCall(() => sendAuthorized(request, tokens, doors, endpoint, authorize), error, doors, endpoint)
  }
}

async function sendAuthorized<Result>(
  request: ApiRequest,
  tokens: TokenSet,
  doors: HttpDoors,
  endpoint: SentEndpoint<Result>,
  authorize: RequestAuthorizer,
): Promise<CallOutcome<Result>> {
  await authorize(request, tokens)
  return sendOnce(request, doors, endpoint)
}

/** A call in flight: its answer once the headers came, and its timer. */
interface InFlight {
  answer: Response | undefined
  timer: ReturnType<typeof setTimeout> | undefined
}

/**
 * One request and its answer, raced against the call's timeout: a server that never answers,
 * or sends headers and stalls the body, ends the call as ProviderUnreachableError (`timeout`).
 *
 * No abort signal is given to fetch: Node's fetch does tens of microseconds more work for every
 * request that carries one, which a valid-token call cannot afford (bench/parts/overhead.ts). A
 * body that stalls is cancelled; a request with no answer yet is left to the platform's own
 * timeouts (Node's fetch gives up waiting for headers after 300 s). Written with as few closures
 * as a call allows: this is the path every call with a valid token takes.
 */
function sendOnce<Result>(request: ApiRequest, doors: HttpDoors, endpoint: SentEndpoint<Result>): Promise<CallOutcome<Result>> {
  return new Promise((resolve, reject) => {
    const url = request.url.href
    const inFlight: InFlight = { answer: undefined, timer: undefined }
    inFlight.timer = setTimeout(timeOut, endpoint.timeoutMs || doors.apiTimeoutMs, inFlight, url, reject)
    exchange(request, doors, endpoint, url, inFlight).then(resolve, reject)
  })
}

function timeOut(inFlight: InFlight, url: string, reject: (error: unknown) => void): void {
  inFlight.answer?.body?.cancel().catch(ignore)
  reject(new ProviderUnreachableError('timeout', url))
}

function ignore(): void {}

/** `value` with every occurrence of `token` in its strings cut out (plain JSON: strings, arrays, objects). */
function withoutToken(value: unknown, token: string): unknown {
  if (typeof value === 'string') return value.split(token).join('[redacted]')
  if (Array.isArray(value)) return value.map((item) => withoutToken(item, token))
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [withoutToken(k, token), withoutToken(v, token)]))
  return value
}

/**
 * The challenge with the sent token cut from its description: the description is the API's text,
 * and every outcome (401, 403, any error) carries it on into errors and stored records.
 */
function withoutTokenIn(challenge: ResourceChallenge | undefined, sentToken: string | undefined): ResourceChallenge | undefined {
  if (!challenge?.description || !sentToken) return challenge
  return { ...challenge, description: withoutToken(challenge.description, sentToken) as string }
}

async function exchange<Result>(
  request: ApiRequest,
  doors: HttpDoors,
  endpoint: SentEndpoint<Result>,
  url: string,
  inFlight: InFlight,
): Promise<CallOutcome<Result>> {
  try {
    const response = (inFlight.answer = await fetchOrUnreachable(doors, url, {
      method: request.method,
      headers: request.headers,
      body: request.body ?? null,
      redirect: 'manual',
    }))
    if (response.ok) return { ok: true, value: endpoint.parseResult(await readBody(response, url)), status: response.status }
    const sentToken = request.headers.get('authorization')?.split(' ')[1]
    const challenge = withoutTokenIn(response.headers.has('www-authenticate') ? await (await loadSteps()).parseChallenge(response) : undefined, sentToken)
    if (response.status === 401) return { ok: false, refusal: 'token_rejected', challenge: challenge ?? { scopes: [] } }
    if (response.status === 403 && challenge?.error === 'insufficient_scope') return { ok: false, refusal: 'insufficient_scope', challenge }
    throw await apiError(response, doors, url, challenge, sentToken)
  } finally {
    clearTimeout(inFlight.timer)
  }
}

async function readBody(response: Response, url: string): Promise<unknown> {
  let text: string
  try {
    text = await response.text()
  } catch (error) {
    throw unreachable(error, url)
  }
  if (!text) return undefined
  const type = response.headers.get('content-type') ?? ''
  if (!type.includes('json')) return text
  try {
    return JSON.parse(text)
  } catch {
    throw new ApiError({ status: response.status, body: text, error: 'invalid_json' })
  }
}

async function apiError(response: Response, doors: HttpDoors, url: string, challenge?: ResourceChallenge, sentToken?: string): Promise<ApiError> {
  let body: unknown
  try {
    body = await readBody(response, url)
  } catch (error) {
    // Unparseable JSON is kept as text; a body that did not arrive in time is left out (the status is the answer).
    body = (error as ApiError).body
  }
  // The body is the API's: one that echoes the token it was sent must not put it in the error.
  if (sentToken) body = withoutToken(body, sentToken)
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
