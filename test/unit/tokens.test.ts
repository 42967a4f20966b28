import { describe, expect, it } from 'vitest'
import { EXPIRY_LEEWAY_MS, isTokenFresh, type TokenSet } from '../../src/index.js'
import { toTokenSet } from '../../src/oauth/tokenSet.js'

const token = (receivedAt: number, lifetimeMs: number): TokenSet => ({
  accessToken: 'a',
  tokenType: 'bearer',
  scopes: [],
  receivedAt,
  expiresAt: receivedAt + lifetimeMs,
})

describe('isTokenFresh', () => {
  it('treats a token as stale a leeway before its expiry, for clock skew and latency', () => {
    const t = token(0, 3600_000)
    expect(isTokenFresh(t, 3600_000 - EXPIRY_LEEWAY_MS - 1)).toBe(true)
    expect(isTokenFresh(t, 3600_000 - EXPIRY_LEEWAY_MS)).toBe(false)
  })

  it('uses half the lifetime as leeway for tokens shorter than twice the leeway, so they are usable at all', () => {
    const t = token(0, 2000)
    expect(isTokenFresh(t, 0)).toBe(true)
    expect(isTokenFresh(t, 999)).toBe(true)
    expect(isTokenFresh(t, 1000)).toBe(false)
  })

  it('never expires a token whose provider gave no lifetime', () => {
    expect(isTokenFresh({ accessToken: 'a', tokenType: 'bearer', scopes: [] }, Number.MAX_SAFE_INTEGER)).toBe(true)
  })
})

describe('toTokenSet', () => {
  it('takes a lifetime beyond any date (expires_in 1e308) as no lifetime, never an Infinity expiry', () => {
    const tokens = toTokenSet({ access_token: 'at', token_type: 'bearer', expires_in: 1.7976931348623153e308 } as never, { now: 1_000, requestedScopes: [] })
    expect(tokens.expiresAt).toBeUndefined()
    expect(isTokenFresh(tokens, 1_000)).toBe(true)
  })
})
