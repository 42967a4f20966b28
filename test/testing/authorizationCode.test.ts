import * as oauth from 'oauth4webapi'
import { describe, expect, it } from 'vitest'
import { createProviderKit } from '../../src/testing/index.js'
import { authorizationRequest, callApi, HMRC_API, HMRC_AUTHORIZE, HMRC_TOKEN, hmrc, postForm, REDIRECT_URI, type TokenBody, useMswServer } from './support.js'

const { serve } = useMswServer()
const obligationsRoute = {
  method: 'GET' as const,
  path: '/organisations/vat/{vrn}/obligations',
  scopes: ['read:vat'],
  respond: () => ({ obligations: [] }),
}

function hmrcKit(options: Partial<Parameters<typeof createProviderKit>[0]> = {}) {
  return serve(createProviderKit({ provider: hmrc, environment: 'sandbox', api: [obligationsRoute], ...options }))
}

async function codeFrom(kit: ReturnType<typeof hmrcKit>, overrides: Record<string, string | null> = {}) {
  const request = await authorizationRequest(HMRC_AUTHORIZE, overrides)
  const callback = new URL(await kit.authorize(request.url))
  return { ...request, callback, code: callback.searchParams.get('code') ?? '' }
}

function redeem(code: string, verifier: string, extra: Record<string, string> = {}) {
  return postForm(HMRC_TOKEN, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
    client_id: 'test-client',
    ...extra,
  })
}

describe('authorization endpoint', () => {
  it('redirects an approved request back with a code and the state echoed, and no iss for HMRC', async () => {
    const kit = hmrcKit()
    const { callback, state, code } = await codeFrom(kit)
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI)
    expect(code).toMatch(/^code_/)
    expect(callback.searchParams.get('state')).toBe(state)
    expect(callback.searchParams.has('iss')).toBe(false)
    expect(kit.counters.authorizations).toBe(1)
  })

  it('redirects a denied request with error=access_denied and the state', async () => {
    const kit = hmrcKit()
    kit.consent('deny')
    const { callback, state } = await codeFrom(kit)
    expect(callback.searchParams.get('error')).toBe('access_denied')
    expect(callback.searchParams.get('state')).toBe(state)
    expect(callback.searchParams.has('code')).toBe(false)
  })

  it('grants only the scopes the user chose when consent narrows them', async () => {
    const kit = hmrcKit()
    kit.consent('approve', { grantScopes: ['read:vat'] })
    const { code, verifier } = await codeFrom(kit, { scope: 'read:vat write:vat' })
    const body = (await (await redeem(code, verifier)).json()) as TokenBody
    expect(body.scope).toBe('read:vat')
  })

  it.each([
    ['a missing code_challenge', { code_challenge: null, code_challenge_method: null }],
    ['the plain method', { code_challenge_method: 'plain' }],
    ['a missing code_challenge_method', { code_challenge_method: null }],
  ])('refuses %s with error=invalid_request on the redirect', async (_label, overrides) => {
    const kit = hmrcKit()
    const { callback, state } = await codeFrom(kit, overrides)
    expect(callback.searchParams.get('error')).toBe('invalid_request')
    expect(callback.searchParams.get('state')).toBe(state)
    expect(callback.searchParams.has('code')).toBe(false)
  })

  it('refuses a response_type other than code on the redirect', async () => {
    const kit = hmrcKit()
    const { callback } = await codeFrom(kit, { response_type: 'token' })
    expect(callback.searchParams.get('error')).toBe('unsupported_response_type')
  })

  it.each([
    ['an unknown client', { client_id: 'stranger' }],
    ['a missing client_id', { client_id: null }],
    ['an unregistered redirect URI', { redirect_uri: 'https://evil.example/steal' }],
  ])('shows an error page for %s and never redirects', async (_label, overrides) => {
    const kit = hmrcKit({ clients: [{ clientId: 'test-client', authMethod: 'none', redirectUris: [REDIRECT_URI] }] })
    const { url } = await authorizationRequest(HMRC_AUTHORIZE, overrides)
    const response = await fetch(url, { redirect: 'manual' })
    expect(response.status).toBe(400)
    expect(response.headers.get('location')).toBeNull()
    await expect(kit.authorize(url)).rejects.toThrow(/answered 400/)
  })

  it('sends iss on the callback when asked to (RFC 9207)', async () => {
    const kit = hmrcKit({ sendIss: true })
    const { callback } = await codeFrom(kit)
    expect(callback.searchParams.get('iss')).toBe('https://test-api.service.hmrc.gov.uk')
  })
})

describe('authorization code grant', () => {
  it('exchanges a code for Bearer tokens that the API accepts, with no-store caching', async () => {
    const kit = hmrcKit()
    const { code, verifier } = await codeFrom(kit)
    const response = await redeem(code, verifier)
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = (await response.json()) as TokenBody
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'read:vat write:vat' })
    expect(body.refresh_token).toMatch(/^rt_/)
    expect((await callApi(`${HMRC_API}/organisations/vat/123456789/obligations`, body.access_token)).status).toBe(200)
  })

  it('refuses a wrong PKCE verifier with invalid_grant', async () => {
    const kit = hmrcKit()
    const { code } = await codeFrom(kit)
    const response = await redeem(code, oauth.generateRandomCodeVerifier())
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' })
  })

  it('refuses a code redeemed without a verifier', async () => {
    const kit = hmrcKit()
    const { code } = await codeFrom(kit)
    const response = await postForm(HMRC_TOKEN, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: 'test-client' })
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' })
  })

  it('refuses a redirect_uri different from the authorization request', async () => {
    const kit = hmrcKit()
    const { code, verifier } = await codeFrom(kit)
    const response = await redeem(code, verifier, { redirect_uri: 'https://app.example/other' })
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' })
  })

  it('refuses a code after its ten minutes', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z')
    const kit = hmrcKit({ now: () => now })
    const { code, verifier } = await codeFrom(kit)
    now += 10 * 60_000
    expect(await (await redeem(code, verifier)).json()).toMatchObject({ error: 'invalid_grant' })
  })

  it('refuses a code presented by another client', async () => {
    const kit = hmrcKit({
      clients: [
        { clientId: 'test-client', authMethod: 'none' },
        { clientId: 'other', authMethod: 'none' },
      ],
    })
    const { code, verifier } = await codeFrom(kit)
    const response = await redeem(code, verifier, { client_id: 'other' })
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' })
  })

  it('accepts a code once, and revokes the tokens it issued when it is replayed (RFC 6749 §10.5)', async () => {
    const kit = hmrcKit()
    const { code, verifier } = await codeFrom(kit)
    const first = (await (await redeem(code, verifier)).json()) as TokenBody
    const api = `${HMRC_API}/organisations/vat/123456789/obligations`
    expect((await callApi(api, first.access_token)).status).toBe(200)

    const replay = await redeem(code, verifier)
    expect(replay.status).toBe(400)
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' })

    const afterReplay = await callApi(api, first.access_token)
    expect(afterReplay.status).toBe(401)
    expect(afterReplay.headers.get('www-authenticate')).toContain('error="invalid_token"')
    const refresh = await postForm(HMRC_TOKEN, { grant_type: 'refresh_token', refresh_token: first.refresh_token ?? '', client_id: 'test-client' })
    expect(await refresh.json()).toMatchObject({ error: 'invalid_grant' })
  })

  it('issues no refresh token when configured not to', async () => {
    const kit = hmrcKit({ issueRefreshTokens: false })
    const { code, verifier } = await codeFrom(kit)
    const body = (await (await redeem(code, verifier)).json()) as TokenBody
    expect(body.access_token).toMatch(/\S/)
    expect(body).not.toHaveProperty('refresh_token')
  })

  it('is accepted end to end by oauth4webapi', async () => {
    const kit = hmrcKit()
    const as: oauth.AuthorizationServer = { issuer: 'https://test-api.service.hmrc.gov.uk', authorization_endpoint: HMRC_AUTHORIZE, token_endpoint: HMRC_TOKEN }
    const client: oauth.Client = { client_id: 'test-client' }
    const { url, state, verifier } = await authorizationRequest(HMRC_AUTHORIZE)
    const params = oauth.validateAuthResponse(as, client, new URL(await kit.authorize(url)), state)
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT_URI, verifier)
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response)
    expect(tokens.token_type).toBe('bearer')
    expect(tokens.expires_in).toBe(3600)
    expect(kit.counters.tokenRequestsByGrant.authorization_code).toBe(1)
  })
})
