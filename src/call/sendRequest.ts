import { ApiError } from '../errors.js'
import type { Parser } from '../model/api.js'
import type { ApiRequest } from '../model/provider.js'
import type { TokenSet } from '../model/tokens.js'
import type { ResourceChallenge } from '../oauth/challenge.js'
import { loadSteps } from '../oauth/loadSteps.js'
import { fetchOrUnreachable, type HttpDoors } from '../oauth/doors.js'

/** How an API call ended, for the caller to decide: done, or the token was refused. */
export type CallOutcome<Result> =
  | { ok: true; value: Result; status: number }
  /** 401 (token expired, revoked, unknown) or 403 insufficient_scope: a new or wider token may fix it. */
  | { ok: false; refusal: 'token_rejected' | 'insufficient_scope'; challenge: ResourceChallenge }

/**
 * Sends an API request with the access token and reads the answer: parsed JSON (or text) on
 * success, a refusal the runtime can act on, or ApiError.
 *
 * The request is the one oauth4webapi's protectedResourceRequest would send (Bearer header,
 * redirects not followed, so the token never goes to another host), sent with fetch directly:
 * the happy path then needs none of oauth4webapi, which loads with the other protocol steps on
 * first need (the core bundle budget). A challenge in the answer is parsed by oauth4webapi.
 */
export async function sendApiRequest<Result>(
  request: ApiRequest,
  tokens: TokenSet,
  doors: HttpDoors,
  parse: Parser<Result>,
): Promise<CallOutcome<Result>> {
  request.headers.set('authorization', `Bearer ${tokens.accessToken}`)
  const response = await fetchOrUnreachable(doors, request.url.href, {
    method: request.method,
    headers: request.headers,
    body: request.body ?? null,
    redirect: 'manual',
  })
  if (response.ok) return { ok: true, value: parse(await readBody(response)), status: response.status }
  const challenge = response.headers.has('www-authenticate') ? await (await loadSteps()).parseChallenge(response) : undefined
  if (response.status === 401) return { ok: false, refusal: 'token_rejected', challenge: challenge ?? { scopes: [] } }
  if (response.status === 403 && challenge?.error === 'insufficient_scope') return { ok: false, refusal: 'insufficient_scope', challenge }
  throw await apiError(response, doors, challenge)
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text()
  if (!text) return undefined
  const type = response.headers.get('content-type') ?? ''
  if (!type.includes('json')) return text
  try {
    return JSON.parse(text)
  } catch {
    throw new ApiError({ status: response.status, body: text, error: 'invalid_json' })
  }
}

async function apiError(response: Response, doors: HttpDoors, challenge?: ResourceChallenge): Promise<ApiError> {
  let body: unknown
  try {
    body = await readBody(response)
  } catch (error) {
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

/** Retry-After as seconds, from either its delay or its HTTP-date form. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim())
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000))
}
