import { ApiError, CallOutcomeUnknownError, ProviderUnreachableError, TokenEndpointError } from '../errors.js'
import type { Endpoint } from '../model/api.js'
import { parseRetryAfter, type HttpDoors } from './doors.js'

/**
 * How transient failures are retried. Protocol steps that are safe to send again (discovery,
 * client credentials, revocation, and a refresh the provider provably did not process) follow
 * it by default; API calls only when the app opts in (GET endpoints only).
 */
export interface RetryOptions {
  /** Attempts in all, the first included (default 3). */
  attempts?: number
  /** Ceiling of the first backoff, doubled at each retry; the wait is random below it (full jitter). Default 250 ms. */
  baseDelayMs?: number
  /**
   * Longest time from the first attempt to the start of the last (default 10 s). A Retry-After
   * that would end past it is not waited for: the failure is returned at once, with its `retryAfter`.
   */
  budgetMs?: number
  /** Also retry GET API calls (default false; an endpoint's own `retry` wins). */
  getCalls?: boolean
}

/** Whether a failure is worth trying again: the request was not processed, or doing it twice is harmless. */
export type TransientTest = (error: unknown) => boolean

/** Answers that say "not now": the server, or a gateway in front of it, may answer next time. */
const TRANSIENT_STATUSES = [408, 429, 502, 503, 504]
/**
 * Answers by which the server says it did not process the request: 408 (it did not receive it
 * whole), 429 (refused before any work), 503 (not serving). A 502 or 504 comes from a gateway
 * whose upstream may have processed it; a 500 may come after the work was done.
 */
const UNPROCESSED_STATUSES = [408, 429, 503]
/** Network failures that happen before a request is sent (undici's `cause.code`; browsers say nothing). */
const NOT_SENT_CODES = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']

function statusOf(error: unknown): number | undefined {
  return error instanceof TokenEndpointError || error instanceof ApiError ? error.status : undefined
}

/** An idempotent request: any network failure or timeout, or a transient status, may be retried. */
export const idempotentFailure: TransientTest = (error) => error instanceof ProviderUnreachableError || TRANSIENT_STATUSES.includes(statusOf(error) ?? 0)

/**
 * A refresh is not idempotent: a provider that rotates refresh tokens spends the old one when it
 * processes the request, and one that detects reuse revokes the whole grant when it sees a spent
 * one again (RFC 9700 §4.14.2). A timeout or a reset connection after the request went out does
 * not say whether it was processed, so the refresh is retried only when the failure proves it was
 * not: an answer that says so (408/429/503), or a connection that was never made.
 */
export const unprocessedFailure: TransientTest = (error) => UNPROCESSED_STATUSES.includes(statusOf(error) ?? 0) || neverSent(error)

/** A connection that was never made: the request cannot have been processed. */
function neverSent(error: unknown): boolean {
  return (
    error instanceof ProviderUnreachableError &&
    error.reason === 'network' &&
    NOT_SENT_CODES.includes(((error.cause as { cause?: { code?: unknown } } | undefined)?.cause?.code as string) ?? '')
  )
}

/** Methods whose requests, sent twice, may do twice what they do once (RFC 9110 §9.2.2). */
const NOT_IDEMPOTENT = ['POST', 'PATCH']

/**
 * The failure of a call as its caller must see it: a POST or PATCH that went out unanswered is
 * CallOutcomeUnknownError (the API may have done it), not an unreachable API to try again.
 */
function asCallFailure(error: unknown, method: string): unknown {
  if (!NOT_IDEMPOTENT.includes(method.toUpperCase()) || !(error instanceof ProviderUnreachableError) || neverSent(error)) return error
  return new CallOutcomeUnknownError(method.toUpperCase(), error)
}

/** Seconds the server asked to wait (Retry-After), from the error or the response behind it. */
function retryAfterOf(error: unknown, now: number): number | undefined {
  if (error instanceof ApiError) return error.retryAfter
  if (!(error instanceof TokenEndpointError)) return undefined
  // Kept from the answer on the error's cause (see summaryOf), the answer itself is not kept.
  const header = (error.cause as { retryAfter?: unknown } | undefined)?.retryAfter
  return typeof header === 'string' ? parseRetryAfter(header, now) : undefined
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Runs `attempt` until it succeeds, fails with an error that is not transient, or the policy's
 * attempts or time budget run out; then throws the last failure as it was (the typed error).
 * Waits Retry-After when the server sent one, else exponential backoff with full jitter.
 * `firstFailure` is the failure of an attempt the caller already made.
 */
export async function withRetry<T>(
  attempt: () => Promise<T>,
  transient: TransientTest,
  doors: Pick<HttpDoors, 'now' | 'sleep'>,
  options: RetryOptions = {},
  firstFailure?: { error: unknown },
): Promise<T> {
  const { attempts = 3, baseDelayMs = 250, budgetMs = 10_000 } = options
  const sleep = doors.sleep ?? realSleep
  const started = doors.now()
  let failure = firstFailure
  for (let made = failure ? 1 : 0; ; made++) {
    if (failure) {
      const { error } = failure
      if (made >= attempts || !transient(error)) throw error
      const retryAfter = retryAfterOf(error, doors.now())
      const delay = retryAfter !== undefined ? retryAfter * 1000 : Math.random() * baseDelayMs * 2 ** (made - 1)
      if (doors.now() + delay - started > budgetMs) throw error
      await sleep(delay)
    }
    try {
      return await attempt()
    } catch (error) {
      failure = { error }
    }
  }
}

/** The policy a step follows under the runtime's `retry` option: `undefined` when retries are off. */
export function retryPolicy(doors: HttpDoors): RetryOptions | undefined {
  return doors.retry === false ? undefined : (doors.retry ?? {})
}

/** A protocol step, retried per the runtime's policy (once, when retries are off). */
export function retryStep<T>(doors: HttpDoors, transient: TransientTest, step: () => Promise<T>): Promise<T> {
  const policy = retryPolicy(doors)
  return policy ? withRetry(step, transient, doors, policy) : step()
}

/**
 * An API call after its first attempt failed (sendRequest.ts): sent again only if it is a GET and
 * the endpoint allows it (its own `retry`, else the runtime's `retry.getCalls`). A call that
 * changes something may have been processed before it failed, so it is never sent twice.
 */
export async function retryCall<T>(send: () => Promise<T>, error: unknown, doors: HttpDoors, endpoint: Pick<Endpoint, 'method' | 'retry'>): Promise<T> {
  const policy = retryPolicy(doors)
  const retry = endpoint.method === 'GET' && (endpoint.retry ?? policy?.getCalls)
  if (!retry) throw asCallFailure(error, endpoint.method)
  return withRetry(send, idempotentFailure, doors, retry === true ? policy : retry, { error })
}
