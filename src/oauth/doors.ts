import { ProviderUnreachableError } from '../errors.js'

/**
 * The doors through which the protocol layer reaches the outside world. Nothing below reaches
 * for `globalThis.fetch` or `Date.now()` directly, so tests and other runtimes swap them.
 */
export interface HttpDoors {
  fetch: typeof fetch
  /** Epoch milliseconds. */
  now: () => number
  /** Per-request timeout for token, discovery and revocation requests. */
  timeoutMs: number
}

export function defaultDoors(overrides: Partial<HttpDoors> = {}): HttpDoors {
  return {
    // Looked up at call time, so MSW and other interceptors installed later are honoured.
    fetch: overrides.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    now: overrides.now ?? Date.now,
    timeoutMs: overrides.timeoutMs ?? 30_000,
  }
}

/** A fetch that turns network failures and timeouts into ProviderUnreachableError. */
export async function fetchOrUnreachable(doors: HttpDoors, url: string, init: RequestInit): Promise<Response> {
  try {
    return await doors.fetch(url, init)
  } catch (error) {
    const name = (error as { name?: string } | null)?.name
    throw new ProviderUnreachableError(name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network', url, error)
  }
}
