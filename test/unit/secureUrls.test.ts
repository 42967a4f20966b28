import { describe, expect, it } from 'vitest'
import { ConfigurationError, defaultDoors, defineClient, defineProvider, type OAuthContext } from '../../src/index.js'
import { refreshTokens, resolveAuthorizationServer, revokeTokens } from '../../src/protocol.js'

const LOOPBACK_ISSUER = 'http://127.0.0.1:1'
const secretClient = defineClient({ clientId: 'app', authentication: { method: 'client_secret_basic', clientSecret: 'CLIENT-SECRET' } })
const tokens = { accessToken: 'AT-SECRET', tokenType: 'bearer', refreshToken: 'RT-SECRET', scopes: [] }

/** A fetch door that records every URL it is asked for and answers `answer`. */
function recordingFetch(answer: (url: string) => Response = () => new Response(null, { status: 500 })) {
  const seen: string[] = []
  const fetch = async (input: RequestInfo | URL) => {
    const url = input instanceof Request ? input.url : String(input)
    seen.push(url)
    return answer(url)
  }
  return { seen, fetch: fetch as typeof globalThis.fetch }
}

function context(as: OAuthContext['as'], fetch: typeof globalThis.fetch): OAuthContext {
  return { as, client: secretClient, fixes: [], doors: defaultDoors({ fetch }) }
}

describe('plain http, decided per URL (loopback only)', () => {
  it('sends no refresh token or secret to a plain-http token endpoint off loopback, though the issuer is loopback', async () => {
    const door = recordingFetch()
    const as = { issuer: LOOPBACK_ISSUER, token_endpoint: 'http://evil.example/token' }
    const error = await refreshTokens(context(as, door.fetch), tokens).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigurationError)
    expect(door.seen).toEqual([])
  })

  it('sends no token to a plain-http revocation endpoint off loopback', async () => {
    const door = recordingFetch()
    const as = { issuer: LOOPBACK_ISSUER, token_endpoint: `${LOOPBACK_ISSUER}/token`, revocation_endpoint: 'http://evil.example/revoke' }
    const error = await revokeTokens(context(as, door.fetch), tokens).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigurationError)
    expect(door.seen).toEqual([])
  })

  it('refuses discovered metadata from a loopback issuer that points its token endpoint off loopback over http', async () => {
    const door = recordingFetch(() =>
      Response.json({ issuer: LOOPBACK_ISSUER, authorization_endpoint: `${LOOPBACK_ISSUER}/authorize`, token_endpoint: 'http://evil.example/token' }),
    )
    const error = await resolveAuthorizationServer({ issuer: LOOPBACK_ISSUER, discovery: 'oauth2' }, defaultDoors({ fetch: door.fetch })).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ConfigurationError)
    expect((error as Error).message).toContain('token_endpoint')
    expect(door.seen).toEqual([`${LOOPBACK_ISSUER}/.well-known/oauth-authorization-server`])
  })

  it('still reaches a loopback provider over http, every endpoint of it', async () => {
    const door = recordingFetch(() => Response.json({ access_token: 'AT-2', token_type: 'Bearer' }))
    const as = { issuer: LOOPBACK_ISSUER, token_endpoint: 'http://localhost:1/token' }
    expect((await refreshTokens(context(as, door.fetch), tokens)).accessToken).toBe('AT-2')
    expect(door.seen).toEqual(['http://localhost:1/token'])
  })
})

describe('defineProvider refuses plain-http URLs off loopback', () => {
  const declare =
    (authorizationServer: object, apiBaseUrl = 'https://api.example') =>
    () =>
      defineProvider({ id: 'p', name: 'P', environments: { live: { authorizationServer: authorizationServer as never, apiBaseUrl } } })

  it('a declared token endpoint off loopback beside a loopback issuer', () => {
    expect(declare({ issuer: LOOPBACK_ISSUER, tokenEndpoint: 'http://evil.example/token' })).toThrow(ConfigurationError)
    expect(declare({ issuer: LOOPBACK_ISSUER, tokenEndpoint: 'http://evil.example/token' })).toThrow(/tokenEndpoint/)
  })

  it('an API base URL the bearer token would cross in the clear', () => {
    expect(declare({ tokenEndpoint: 'https://as.example/token' }, 'http://api.example')).toThrow(/apiBaseUrl must be https/)
    expect(declare({ issuer: 'http://as.example', discovery: 'oidc' })).toThrow(ConfigurationError)
    expect(declare({ tokenEndpoint: 'https://as.example/token' }, 'not a url')).toThrow(ConfigurationError)
  })

  it('accepts https anywhere and http on loopback', () => {
    expect(declare({ tokenEndpoint: 'https://as.example/token' })).not.toThrow()
    expect(declare({ issuer: LOOPBACK_ISSUER, discovery: 'oidc' }, 'http://[::1]:8080/api')).not.toThrow()
  })
})
