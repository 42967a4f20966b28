import * as oauth from 'oauth4webapi'
import { describe, expect, it } from 'vitest'
import { ConfigurationError, ConsentDeniedError, AuthorizationError, defineClient, InvalidCallbackError, type PendingAuthorization } from '../../src/index.js'
import { startAuthorization, validateCallback } from '../../src/protocol.js'

const as: oauth.AuthorizationServer = {
  issuer: 'https://login.example',
  authorization_endpoint: 'https://login.example/authorize',
  token_endpoint: 'https://login.example/token',
}
const client = defineClient({ clientId: 'app', redirectUri: 'https://app.example/callback' })

async function start(scopes = ['read:vat'], extra?: Record<string, string>) {
  return startAuthorization({ as, client, scopes, now: 0, returnTo: '/returns', extraParameters: extra })
}

function callback(pending: PendingAuthorization, params: Record<string, string>) {
  return `https://app.example/callback?${new URLSearchParams({ state: pending.state, ...params })}`
}

describe('startAuthorization', () => {
  it('always uses PKCE S256 with a challenge derived from the kept verifier, and a fresh state', async () => {
    const { url, pending } = await start()
    const params = new URL(url).searchParams
    expect(params.get('code_challenge_method')).toBe('S256')
    expect(params.get('code_challenge')).toBe(await oauth.calculatePKCECodeChallenge(pending.codeVerifier))
    expect(params.get('state')).toBe(pending.state)
    expect(params.get('response_type')).toBe('code')
    expect(params.get('redirect_uri')).toBe('https://app.example/callback')
    expect(params.get('nonce')).toBeNull()
    expect((await start()).pending.state).not.toBe(pending.state)
  })

  it('adds a nonce for OpenID scopes', async () => {
    const { url, pending } = await start(['openid', 'profile'])
    expect(pending.nonce).toBeDefined()
    expect(new URL(url).searchParams.get('nonce')).toBe(pending.nonce)
  })

  it('asks offline access with prompt=consent (OpenID Connect Core §11), unless the app chose a prompt', async () => {
    expect(new URL((await start(['openid', 'offline_access'])).url).searchParams.get('prompt')).toBe('consent')
    expect(new URL((await start(['openid', 'offline_access'], { prompt: 'login' })).url).searchParams.get('prompt')).toBe('login')
    expect(new URL((await start(['read:vat'])).url).searchParams.get('prompt')).toBeNull()
  })

  it('lets extra parameters through but never over the protected ones', async () => {
    const { url, pending } = await start(['read:vat'], { prompt: 'consent', state: 'attacker', code_challenge_method: 'plain' })
    const params = new URL(url).searchParams
    expect(params.get('prompt')).toBe('consent')
    expect(params.get('state')).toBe(pending.state)
    expect(params.get('code_challenge_method')).toBe('S256')
  })

  it('keeps only a same-origin returnTo', async () => {
    expect((await start()).pending.returnTo).toBe('/returns')
    const evil = await startAuthorization({ as, client, scopes: [], now: 0, returnTo: 'https://evil.example' })
    expect(evil.pending.returnTo).toBeUndefined()
  })

  it('refuses a provider that publishes its PKCE methods without S256, rather than downgrading', async () => {
    const plainOnly = { ...as, code_challenge_methods_supported: ['plain'] }
    const error = await startAuthorization({ as: plainOnly, client, scopes: [], now: 0 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigurationError)
    expect((error as ConfigurationError).message).toContain('S256')
    const s256 = await startAuthorization({ as: { ...as, code_challenge_methods_supported: ['plain', 'S256'] }, client, scopes: [], now: 0 })
    expect(new URL(s256.url).searchParams.get('code_challenge_method')).toBe('S256')
  })
})

describe('validateCallback', () => {
  it('accepts the matching state and returns the code', async () => {
    const { pending } = await start()
    expect(validateCallback({ as, client }, callback(pending, { code: 'c1' }), pending).get('code')).toBe('c1')
  })

  it('refuses a state that is not the pending one', async () => {
    const { pending } = await start()
    const error = (() => {
      try {
        validateCallback({ as, client }, `https://app.example/callback?code=c1&state=forged`, pending)
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(InvalidCallbackError)
    expect((error as InvalidCallbackError).reason).toBe('state_mismatch')
  })

  it('does not believe a denial whose state is forged', async () => {
    const { pending } = await start()
    expect(() => validateCallback({ as, client }, `https://app.example/callback?error=access_denied&state=forged`, pending)).toThrow(InvalidCallbackError)
  })

  it('turns access_denied into ConsentDeniedError and other provider errors into AuthorizationError', async () => {
    const { pending } = await start()
    expect(() => validateCallback({ as, client }, callback(pending, { error: 'access_denied', error_description: 'no' }), pending)).toThrow(ConsentDeniedError)
    expect(() => validateCallback({ as, client }, callback(pending, { error: 'invalid_scope' }), pending)).toThrow(AuthorizationError)
  })

  it('checks iss when the provider sends it (RFC 9207)', async () => {
    const { pending } = await start()
    const good = callback(pending, { code: 'c1', iss: 'https://login.example' })
    expect(validateCallback({ as, client }, good, pending).get('code')).toBe('c1')
    expect(() => validateCallback({ as, client }, callback(pending, { code: 'c1', iss: 'https://mix-up.example' }), pending)).toThrow(
      expect.objectContaining({ reason: 'iss_mismatch' }),
    )
  })

  it('requires iss when the provider promised it', async () => {
    const { pending } = await start()
    const strict = { ...as, authorization_response_iss_parameter_supported: true }
    expect(() => validateCallback({ as: strict, client }, callback(pending, { code: 'c1' }), pending)).toThrow(
      expect.objectContaining({ reason: 'iss_mismatch' }),
    )
  })

  it('refuses a callback with no code, no pending authorization, or that is not a URL', async () => {
    const { pending } = await start()
    expect(() => validateCallback({ as, client }, callback(pending, {}), pending)).toThrow(expect.objectContaining({ reason: 'missing_code' }))
    expect(() => validateCallback({ as, client }, callback(pending, { code: 'c' }), undefined)).toThrow(
      expect.objectContaining({ reason: 'no_pending_authorization' }),
    )
    expect(() => validateCallback({ as, client }, 'not a url at all', pending)).toThrow(expect.objectContaining({ reason: 'malformed' }))
  })
})
