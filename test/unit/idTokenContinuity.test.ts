import { describe, expect, it } from 'vitest'
import { defaultDoors, defineClient, TokenEndpointError, type OAuthContext, type TokenSet } from '../../src/index.js'
import { refreshTokens } from '../../src/protocol.js'

const issuer = 'https://login.example'
const client = defineClient({ clientId: 'app', redirectUri: 'https://app.example/callback' })
const NOW = 1_700_000_000_000

/**
 * An id_token as oauth4webapi reads one from a token endpoint: claims checked, signature not (TLS
 * vouches for it). Its `iat`/`exp` are checked against oauth4webapi's own clock, the real one.
 */
function idToken(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const seconds = Math.floor(Date.now() / 1000)
  return `${part({ alg: 'RS256' })}.${part({ iss: issuer, aud: 'app', iat: seconds, exp: seconds + 300, ...claims })}.c2lnbmF0dXJl`
}

/** The session as the first exchange left it: alice's id_token, a refresh token. */
const original: TokenSet = {
  accessToken: 'AT-1',
  tokenType: 'bearer',
  refreshToken: 'RT-1',
  scopes: ['openid', 'read'],
  idTokenClaims: { iss: issuer, sub: 'alice', aud: 'app' },
}

function contextAnswering(body: Record<string, unknown>): OAuthContext {
  return {
    as: { issuer, token_endpoint: `${issuer}/token` },
    client,
    fixes: [],
    doors: defaultDoors({ now: () => NOW, fetch: async () => Response.json(body, { headers: { 'cache-control': 'no-store' } }) }),
  }
}

const refreshed = (claims: Record<string, unknown>) =>
  contextAnswering({ access_token: 'AT-2', token_type: 'Bearer', expires_in: 3600, refresh_token: 'RT-2', id_token: idToken(claims) })

describe('a refreshed id_token (OpenID Connect Core §12.2)', () => {
  it('is accepted when it names the same issuer and subject', async () => {
    const tokens = await refreshTokens(refreshed({ sub: 'alice' }), original)
    expect(tokens.accessToken).toBe('AT-2')
    expect(tokens.idTokenClaims).toMatchObject({ iss: issuer, sub: 'alice' })
  })

  it('is refused when its subject differs from the original, and none of the new tokens come back', async () => {
    const error = await refreshTokens(refreshed({ sub: 'mallory' }), original).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TokenEndpointError)
    expect(error).toMatchObject({ grant: 'refresh_token', error: 'invalid_id_token' })
    expect(JSON.stringify(error)).not.toContain('AT-2')
    expect(JSON.stringify(error)).not.toContain('RT-2')
  })

  it('is refused when the original came from another issuer', async () => {
    const fromElsewhere = { ...original, idTokenClaims: { iss: 'https://other.example', sub: 'alice', aud: 'app' } }
    const error = await refreshTokens(refreshed({ sub: 'alice' }), fromElsewhere).catch((e: unknown) => e)
    expect(error).toMatchObject({ error: 'invalid_id_token' })
  })

  it('keeps the original claims when the refresh returns no id_token', async () => {
    const tokens = await refreshTokens(contextAnswering({ access_token: 'AT-2', token_type: 'Bearer', expires_in: 3600 }), original)
    expect(tokens.idTokenClaims).toEqual(original.idTokenClaims)
  })
})
