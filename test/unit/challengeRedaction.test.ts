import { describe, expect, it } from 'vitest'
import { ApiError, buildApiRequest, defaultDoors, defineEndpoint, defineProvider, sendApiRequest, shape, type TokenSet } from '../../src/index.js'

// An API's WWW-Authenticate text is the API's own: a hostile or careless one echoes the token it
// was sent. Every outcome that carries the challenge on (a 401 to renew, a 403 to widen, any other
// refusal as an ApiError) must carry it without the token.
const SECRET = 'AT-ECHOED-0123456789'
const tokens: TokenSet = { accessToken: SECRET, tokenType: 'bearer', scopes: ['read'] }
const provider = defineProvider({
  id: 'acme',
  name: 'Acme',
  environments: { live: { authorizationServer: { tokenEndpoint: 'https://login.acme.example/token' }, apiBaseUrl: 'https://api.acme.example' } },
})
const me = defineEndpoint({ method: 'GET', path: '/me', result: shape<{ me: string }>() })

function answering(status: number, challenge: string) {
  const fetch = async () =>
    new Response(JSON.stringify({ error: 'refused', echo: SECRET }), { status, headers: { 'www-authenticate': challenge, 'content-type': 'application/json' } })
  return defaultDoors({ fetch: fetch as typeof globalThis.fetch, sleep: async () => {} })
}

const send = (status: number, challenge: string) =>
  sendApiRequest(buildApiRequest(provider, provider.environments.live, me), tokens, answering(status, challenge), me).catch((error: unknown) => error)

describe('a challenge that echoes the sent token', () => {
  it('401: the outcome to renew on carries the description without the token', async () => {
    const outcome = await send(401, `Bearer error="invalid_token", error_description="token ${SECRET} expired"`)
    expect(outcome).toMatchObject({ ok: false, refusal: 'token_rejected', challenge: { error: 'invalid_token', description: 'token [redacted] expired' } })
    expect(JSON.stringify(outcome)).not.toContain(SECRET)
  })

  it('403 insufficient_scope: the outcome to widen the consent on carries the description without the token', async () => {
    const outcome = await send(403, `Bearer error="insufficient_scope", scope="read write", error_description="${SECRET} lacks write"`)
    expect(outcome).toMatchObject({ ok: false, refusal: 'insufficient_scope', challenge: { scopes: ['read', 'write'], description: '[redacted] lacks write' } })
    expect(JSON.stringify(outcome)).not.toContain(SECRET)
  })

  it('any other refusal: the ApiError carries neither the token in its description nor in its body', async () => {
    const error = await send(403, `Bearer error="forbidden", error_description="no entry for ${SECRET}"`)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ status: 403, error: 'forbidden', description: 'no entry for [redacted]', body: { echo: '[redacted]' } })
    expect(JSON.stringify(error) + String(error)).not.toContain(SECRET)
  })
})
