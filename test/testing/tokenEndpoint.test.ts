import * as oauth from 'oauth4webapi'
import { describe, expect, it } from 'vitest'
import { piste } from '../../src/providers/piste.js'
import { createProviderKit, type KitClient } from '../../src/testing/index.js'
import {
  authorizationRequest,
  basicAuth,
  callApi,
  HMRC_API,
  HMRC_AUTHORIZE,
  HMRC_TOKEN,
  hmrc,
  postForm,
  REDIRECT_URI,
  signIn,
  type TokenBody,
  useMswServer,
} from './support.js'

const { serve } = useMswServer()
const PISTE_TOKEN = 'https://sandbox-oauth.piste.gouv.fr/api/oauth/token'
const API = `${HMRC_API}/organisations/vat/123456789/obligations`
const route = { method: 'GET' as const, path: '/organisations/vat/{vrn}/obligations', respond: () => ({ obligations: [] }) }

function refresh(refreshToken: string | undefined, extra: Record<string, string> = {}) {
  return postForm(HMRC_TOKEN, { grant_type: 'refresh_token', refresh_token: refreshToken ?? '', client_id: 'test-client', ...extra })
}

describe('refresh token grant', () => {
  it('rotates the refresh token: the new one works, the old one is refused with invalid_grant', async () => {
    const kit = serve(createProviderKit({ provider: hmrc, environment: 'sandbox', api: [route] }))
    const first = await signIn(kit)
    const second = (await (await refresh(first.refresh_token)).json()) as TokenBody
    expect(second.refresh_token).toBeDefined()
    expect(second.refresh_token).not.toBe(first.refresh_token)
    expect(second.access_token).not.toBe(first.access_token)
    expect((await callApi(API, second.access_token)).status).toBe(200)

    const replay = await refresh(first.refresh_token)
    expect(replay.status).toBe(400)
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' })
    expect((await refresh(second.refresh_token)).status).toBe(200)
    expect(kit.counters.tokenRequestsByGrant).toEqual({ authorization_code: 1, refresh_token: 3, client_credentials: 0 })
  })

  it('keeps the refresh token working and returns none when rotation is off', async () => {
    const kit = serve(createProviderKit({ provider: hmrc, environment: 'sandbox', rotateRefreshTokens: false }))
    const first = await signIn(kit)
    const second = (await (await refresh(first.refresh_token)).json()) as TokenBody
    expect(second.access_token).toMatch(/\S/)
    expect(second).not.toHaveProperty('refresh_token')
    expect((await refresh(first.refresh_token)).status).toBe(200)
  })

  it('refuses a revoked grant with invalid_grant', async () => {
    const kit = serve(createProviderKit({ provider: hmrc, environment: 'sandbox' }))
    const first = await signIn(kit)
    kit.revokeAll()
    expect(await (await refresh(first.refresh_token)).json()).toMatchObject({ error: 'invalid_grant' })
  })

  it('narrows scopes on request but refuses to widen them', async () => {
    const kit = serve(createProviderKit({ provider: hmrc, environment: 'sandbox', rotateRefreshTokens: false }))
    const first = await signIn(kit, { scope: 'read:vat write:vat' })
    expect(await (await refresh(first.refresh_token, { scope: 'read:vat' })).json()).toMatchObject({ scope: 'read:vat' })
    expect(await (await refresh(first.refresh_token, { scope: 'read:vat admin' })).json()).toMatchObject({ error: 'invalid_scope' })
  })
})

describe('client authentication', () => {
  const confidential: KitClient[] = [
    { clientId: 'basic-app', clientSecret: 'b:secret', authMethod: 'client_secret_basic' },
    { clientId: 'post-app', clientSecret: 'p-secret', authMethod: 'client_secret_post' },
  ]

  async function codeFor(kit: ReturnType<typeof createProviderKit>, clientId: string) {
    const request = await authorizationRequest(HMRC_AUTHORIZE, { client_id: clientId })
    const code = new URL(await kit.authorize(request.url)).searchParams.get('code') ?? ''
    return { code, verifier: request.verifier }
  }

  it('authenticates client_secret_basic clients by the Authorization header, form-encoded per RFC 6749 §2.3.1', async () => {
    const kit = serve(createProviderKit({ provider: hmrc, environment: 'sandbox', clients: confidential }))
    const { code, verifier } = await codeFor(kit, 'basic-app')
    const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }
    const response = await postForm(HMRC_TOKEN, form, basicAuth('basic-app', 'b:secret'))
    expect(response.status).toBe(200)
  })

  it('refuses a wrong Basic secret with 401 invalid_client and a Basic challenge', async () => {
    const kit = serve(createProviderKit({ provider: hmrc, environment: 'sandbox', clients: confidential }))
    const { code, verifier } = await codeFor(kit, 'basic-app')
    const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }
    const response = await postForm(HMRC_TOKEN, form, basicAuth('basic-app', 'wrong'))
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic/)
    expect(await response.json()).toMatchObject({ error: 'invalid_client' })
  })

  it('authenticates client_secret_post clients by the form body and refuses their secret in a header', async () => {
    const kit = serve(createProviderKit({ provider: hmrc, environment: 'sandbox', clients: confidential }))
    const viaBody = await postForm(HMRC_TOKEN, { grant_type: 'client_credentials', client_id: 'post-app', client_secret: 'p-secret' })
    expect(viaBody.status).toBe(200)
    const viaHeader = await postForm(HMRC_TOKEN, { grant_type: 'client_credentials' }, basicAuth('post-app', 'p-secret'))
    expect(viaHeader.status).toBe(401)
    const wrong = await postForm(HMRC_TOKEN, { grant_type: 'client_credentials', client_id: 'post-app', client_secret: 'nope' })
    expect(wrong.status).toBe(401)
    expect(await wrong.json()).toMatchObject({ error: 'invalid_client' })
    expect(kit.requests.map((r) => r.status)).toEqual([200, 401, 401])
  })

  it('refuses an unknown client and a public client that sends a secret', async () => {
    serve(createProviderKit({ provider: hmrc, environment: 'sandbox' }))
    const unknown = await postForm(HMRC_TOKEN, { grant_type: 'refresh_token', refresh_token: 'x', client_id: 'stranger' })
    expect(unknown.status).toBe(401)
    const withSecret = await postForm(HMRC_TOKEN, { grant_type: 'refresh_token', refresh_token: 'x', client_id: 'test-client', client_secret: 's' })
    expect(withSecret.status).toBe(401)
    expect(await withSecret.json()).toMatchObject({ error: 'invalid_client' })
  })

  it('works with oauth4webapi ClientSecretBasic', async () => {
    const kit = serve(createProviderKit({ provider: hmrc, environment: 'sandbox', clients: confidential }))
    const as: oauth.AuthorizationServer = { issuer: 'https://test-api.service.hmrc.gov.uk', token_endpoint: HMRC_TOKEN }
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      { client_id: 'basic-app' },
      oauth.ClientSecretBasic('b:secret'),
      new URLSearchParams({ scope: 'read:vat' }),
    )
    const tokens = await oauth.processClientCredentialsResponse(as, { client_id: 'basic-app' }, response)
    expect(tokens.scope).toBe('read:vat')
    expect(kit.counters.tokenRequestsByGrant.client_credentials).toBe(1)
  })

  it('refuses a body that is not form-encoded and an unknown grant type', async () => {
    serve(createProviderKit({ provider: hmrc, environment: 'sandbox' }))
    const json = await fetch(HMRC_TOKEN, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":"refresh_token"}' })
    expect(await json.json()).toMatchObject({ error: 'invalid_request' })
    const password = await postForm(HMRC_TOKEN, { grant_type: 'password', client_id: 'test-client' })
    expect(await password.json()).toMatchObject({ error: 'unsupported_grant_type' })
  })
})

describe('client credentials grant', () => {
  const app: KitClient = { clientId: 'legifrance-app', clientSecret: 's3cret', authMethod: 'client_secret_post' }

  it('issues a PISTE-style application token: the requested scope, no refresh token', async () => {
    serve(createProviderKit({ provider: piste, environment: 'sandbox', clients: [app] }))
    const response = await postForm(PISTE_TOKEN, { grant_type: 'client_credentials', client_id: app.clientId, client_secret: 's3cret', scope: 'openid' })
    const body = (await response.json()) as TokenBody
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'openid' })
    expect(body).not.toHaveProperty('refresh_token')
    expect(body).not.toHaveProperty('id_token')
  })

  it('is refused to public clients with unauthorized_client', async () => {
    serve(createProviderKit({ provider: hmrc, environment: 'sandbox' }))
    const response = await postForm(HMRC_TOKEN, { grant_type: 'client_credentials', client_id: 'test-client' })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: 'unauthorized_client' })
  })

  it('honours a client restricted to some grants', async () => {
    serve(createProviderKit({ provider: piste, environment: 'sandbox', clients: [{ ...app, grantTypes: ['authorization_code'] }] }))
    const response = await postForm(PISTE_TOKEN, { grant_type: 'client_credentials', client_id: app.clientId, client_secret: 's3cret' })
    expect(await response.json()).toMatchObject({ error: 'unauthorized_client' })
  })
})
