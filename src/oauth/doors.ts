import { ProviderUnreachableError } from '../errors.js'
import type { RetryOptions } from './retry.js'

/**
 * The doors through which the protocol layer reaches the outside world. Nothing below reaches
 * for `globalThis.fetch`, `Date.now()` or `setTimeout` directly, so tests and other runtimes swap them.
 */
export interface HttpDoors {
  fetch: typeof fetch
  /** Epoch milliseconds. */
  now: () => number
  /** Per-request timeout for token, discovery and revocation requests. */
  timeoutMs: number
  /** Per-call timeout of API calls, the whole answer included (an endpoint's `timeoutMs` wins). */
  apiTimeoutMs: number
  /** Waits between retries (default: setTimeout); a test passes one that returns at once. */
  sleep?: ((ms: number) => Promise<void>) | undefined
  /** Retries of transient failures (see retry.ts); `false`: every request is tried once. */
  retry?: RetryOptions | false | undefined
  /** Stops token requests made under a session's lock when its lease runs out. */
  signal?: AbortSignal | undefined
}

export function defaultDoors(overrides: Partial<HttpDoors> = {}): HttpDoors {
  return {
    // Looked up at call time, so MSW and other interceptors installed later are honoured.
    fetch: overrides.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    now: overrides.now ?? Date.now,
    timeoutMs: overrides.timeoutMs || 30_000,
    apiTimeoutMs: overrides.apiTimeoutMs || 30_000,
    sleep: overrides.sleep,
    retry: overrides.retry,
  }
}

/** A fetch that turns network failures and timeouts into ProviderUnreachableError. */
export async function fetchOrUnreachable(doors: HttpDoors, url: string, init: RequestInit): Promise<Response> {
  try {
    return await doors.fetch(url, init)
  } catch (error) {
    throw unreachable(error, url)
  }
}
/** A failed fetch or body read as ProviderUnreachableError: a timeout (the abort signal's) or a network failure. */
export function unreachable(error: unknown, url: string): ProviderUnreachableError {
  const name = (error as { name?: string } | null)?.name
  return new ProviderUnreachableError(name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network', url, error)
}

/** Retry-After as seconds, from either its delay or its HTTP-date form. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim())
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000))
}
