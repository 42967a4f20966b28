import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, ProviderUnreachableError } from '../../src/index.js'
import { idempotentFailure, unprocessedFailure, withRetry } from '../../src/oauth/retry.js'

/** A clock that the injected sleep moves forward, so the time budget is met without waiting. */
function fakeTime() {
  let now = 0
  const waits: number[] = []
  return {
    waits,
    doors: {
      now: () => now,
      sleep: async (ms: number) => {
        waits.push(ms)
        now += ms
      },
    },
  }
}

const unavailable = () => new ApiError({ status: 503, body: undefined })

afterEach(() => vi.restoreAllMocks())

describe('withRetry', () => {
  it('backs off exponentially with full jitter: each wait is random below base × 2^(retry - 1)', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5)
    const { doors, waits } = fakeTime()
    const attempt = vi.fn(async () => {
      throw unavailable()
    })
    await expect(withRetry(attempt, idempotentFailure, doors, { attempts: 4, baseDelayMs: 100 })).rejects.toMatchObject({ status: 503 })
    expect(attempt).toHaveBeenCalledTimes(4)
    expect(waits).toEqual([50, 100, 200])
  })

  it('stops when the next wait would end past the time budget, with the last failure', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.99)
    const { doors, waits } = fakeTime()
    const attempt = vi.fn(async () => {
      throw unavailable()
    })
    await expect(withRetry(attempt, idempotentFailure, doors, { attempts: 10, baseDelayMs: 1000, budgetMs: 3500 })).rejects.toBeInstanceOf(ApiError)
    // 990 ms, then 1980 ms (2970 in all); the next, 3960 ms, would end past 3500.
    expect(waits).toEqual([990, 1980])
    expect(attempt).toHaveBeenCalledTimes(3)
  })

  it('returns the first success, and does not retry what is not transient', async () => {
    const { doors } = fakeTime()
    const notFound = new ApiError({ status: 404, body: undefined })
    await expect(withRetry(async () => Promise.reject(notFound), idempotentFailure, doors)).rejects.toBe(notFound)
    let calls = 0
    await expect(withRetry(async () => (++calls < 2 ? Promise.reject(unavailable()) : 'done'), idempotentFailure, doors)).resolves.toBe('done')
  })
})

describe('which failures a refresh may be retried after', () => {
  it('only those that prove the request was not processed', () => {
    const refused = new ProviderUnreachableError('network', 'https://as.example/token', new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }))
    const reset = new ProviderUnreachableError('network', 'https://as.example/token', new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } }))
    const timeout = new ProviderUnreachableError('timeout', 'https://as.example/token')
    expect(unprocessedFailure(refused)).toBe(true)
    expect(unprocessedFailure(unavailable())).toBe(true)
    expect(unprocessedFailure(reset)).toBe(false)
    expect(unprocessedFailure(timeout)).toBe(false)
    expect(unprocessedFailure(new ApiError({ status: 502, body: undefined }))).toBe(false)
    expect(idempotentFailure(timeout)).toBe(true)
  })
})
