import { describe, expect, it } from 'vitest'
import { createProviderKit, type KitRoute, type KitRouteContext } from '../../src/testing/index.js'
import { callApi, HMRC_API, HMRC_TOKEN, hmrc, postForm, signIn, useMswServer } from './support.js'

const { serve } = useMswServer()
const OBLIGATIONS = `${HMRC_API}/organisations/vat/123456789/obligations`

function kitWithRoutes(routes: KitRoute[], options: { now?: () => number } = {}) {
  return serve(
    createProviderKit({
      provider: hmrc,
      environment: 'sandbox',
      clients: [
        { clientId: 'test-client', authMethod: 'none' },
        { clientId: 'app', clientSecret: 's', authMethod: 'client_secret_post' },
      ],
      api: routes,
      ...options,
    }),
  )
}

const readRoute: KitRoute = { method: 'GET', path: '/organisations/vat/{vrn}/obligations', scopes: ['read:vat'], respond: () => ({ ok: true }) }

describe('protected API', () => {
  it('answers 401 with a Bearer realm challenge when no token is sent', async () => {
    kitWithRoutes([readRoute])
    const response = await callApi(OBLIGATIONS, undefined)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="hmrc"')
  })

  it('answers 401 invalid_token for an unknown token', async () => {
    kitWithRoutes([readRoute])
    const response = await callApi(OBLIGATIONS, 'at_forged')
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="hmrc", error="invalid_token", error_description="[^"]+"$/)
  })

  it('answers 401 invalid_token once the token expires by the clock or by expireAccessTokens()', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z')
    const kit = kitWithRoutes([readRoute], { now: () => now })
    const first = await signIn(kit, { scope: 'read:vat' })
    expect((await callApi(OBLIGATIONS, first.access_token)).status).toBe(200)
    now += 3600_000
    const expired = await callApi(OBLIGATIONS, first.access_token)
    expect(expired.status).toBe(401)
    expect(expired.headers.get('www-authenticate')).toContain('error_description="The access token has expired"')

    const second = await signIn(kit, { scope: 'read:vat' })
    kit.expireAccessTokens()
    expect((await callApi(OBLIGATIONS, second.access_token)).status).toBe(401)
    const third = await signIn(kit, { scope: 'read:vat' })
    expect((await callApi(OBLIGATIONS, third.access_token)).status).toBe(200)
  })

  it('answers 401 to the next tokens issued too, as many as expireAccessTokens({ alsoNext }) says', async () => {
    const kit = kitWithRoutes([readRoute])
    const before = await signIn(kit, { scope: 'read:vat' })
    kit.expireAccessTokens({ alsoNext: 1 })
    const next = await signIn(kit, { scope: 'read:vat' })
    const after = await signIn(kit, { scope: 'read:vat' })
    const refused = await callApi(OBLIGATIONS, next.access_token)
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toContain('error_description="The access token has expired"')
    expect((await callApi(OBLIGATIONS, before.access_token)).status).toBe(401)
    expect((await callApi(OBLIGATIONS, after.access_token)).status).toBe(200)
    expect(() => kit.expireAccessTokens({ alsoNext: -1 })).toThrow(RangeError)
  })

  it('forgets the tokens still to be issued expired on reset()', async () => {
    const kit = kitWithRoutes([readRoute])
    kit.expireAccessTokens({ alsoNext: 2 })
    kit.reset()
    expect((await callApi(OBLIGATIONS, (await signIn(kit, { scope: 'read:vat' })).access_token)).status).toBe(200)
  })

  it('answers 401 invalid_token for revoked tokens after revokeAll()', async () => {
    const kit = kitWithRoutes([readRoute])
    const tokens = await signIn(kit)
    kit.revokeAll()
    const response = await callApi(OBLIGATIONS, tokens.access_token)
    expect(response.headers.get('www-authenticate')).toContain('has been revoked')
  })

  it('answers 403 insufficient_scope naming the scopes the route needs', async () => {
    const kit = kitWithRoutes([{ ...readRoute, scopes: ['read:vat', 'write:vat'] }])
    const tokens = await signIn(kit, { scope: 'read:vat' })
    const response = await callApi(OBLIGATIONS, tokens.access_token)
    expect(response.status).toBe(403)
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="hmrc", error="insufficient_scope", scope="read:vat write:vat"')
  })

  it("gives respond the decoded path parameters, query, JSON body and the token's client, scopes and grant", async () => {
    let seen: KitRouteContext | undefined
    const kit = kitWithRoutes([
      {
        method: 'PUT',
        path: '/items/{vrn}/periods/{periodKey}',
        respond: (ctx) => {
          seen = ctx
          return { saved: true }
        },
      },
    ])
    const tokens = await signIn(kit, { scope: 'read:vat' })
    const response = await callApi(`${HMRC_API}/items/123/periods/%23001?draft=yes`, tokens.access_token, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 12.5 }),
    })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ saved: true })
    expect(seen?.params).toEqual({ vrn: '123', periodKey: '#001' })
    expect(seen?.query.get('draft')).toBe('yes')
    expect(seen?.body).toEqual({ amount: 12.5 })
    expect(seen?.token).toEqual({ clientId: 'test-client', scopes: ['read:vat'], grant: 'authorization_code' })
  })

  it('answers 204 when respond returns nothing, and passes a Response through as is', async () => {
    const kit = kitWithRoutes([
      { method: 'DELETE', path: '/things/{id}', respond: () => undefined },
      { method: 'GET', path: '/things/{id}', respond: () => new Response('teapot', { status: 418 }) },
    ])
    const tokens = await signIn(kit)
    expect((await callApi(`${HMRC_API}/things/1`, tokens.access_token, { method: 'DELETE' })).status).toBe(204)
    expect((await callApi(`${HMRC_API}/things/1`, tokens.access_token)).status).toBe(418)
  })

  it('refuses a user token on an application-only route and an application token on a user-only route', async () => {
    const kit = kitWithRoutes([
      { method: 'GET', path: '/app-only', applicationOnly: true, respond: () => ({}) },
      { method: 'GET', path: '/user-only', userOnly: true, respond: () => ({}) },
    ])
    const user = await signIn(kit)
    const app = (await (await postForm(HMRC_TOKEN, { grant_type: 'client_credentials', client_id: 'app', client_secret: 's' })).json()) as {
      access_token: string
    }
    expect((await callApi(`${HMRC_API}/app-only`, user.access_token)).status).toBe(401)
    expect((await callApi(`${HMRC_API}/app-only`, app.access_token)).status).toBe(200)
    expect((await callApi(`${HMRC_API}/user-only`, app.access_token)).status).toBe(401)
    expect((await callApi(`${HMRC_API}/user-only`, user.access_token)).status).toBe(200)
  })

  it('lets requests that match no route fall through to other handlers', async () => {
    kitWithRoutes([readRoute])
    await expect(fetch(`${HMRC_API}/not/a/route`)).rejects.toThrow() // onUnhandledRequest: 'error'
  })
})

describe('counters and request log', () => {
  it('counts every request by endpoint and grant, and logs them without token values', async () => {
    const kit = kitWithRoutes([readRoute])
    const tokens = await signIn(kit)
    await callApi(OBLIGATIONS, tokens.access_token)
    await callApi(OBLIGATIONS, undefined)
    await postForm(HMRC_TOKEN, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '', client_id: 'test-client' })

    expect(kit.counters).toEqual({
      tokenRequests: 2,
      tokenRequestsByGrant: { authorization_code: 1, refresh_token: 1, client_credentials: 0 },
      authorizations: 1,
      apiCalls: 2,
      revocations: 0,
      discovery: 0,
    })
    expect(kit.requests.map((r) => [r.endpoint, r.method, r.grantType, r.status])).toEqual([
      ['authorize', 'GET', undefined, 302],
      ['token', 'POST', 'authorization_code', 200],
      ['api', 'GET', undefined, 200],
      ['api', 'GET', undefined, 401],
      ['token', 'POST', 'refresh_token', 200],
    ])
    const log = JSON.stringify(kit.requests)
    expect(log).not.toContain(tokens.access_token)
    expect(log).not.toContain(tokens.refresh_token)
    expect(log).not.toMatch(/code_[A-Za-z0-9_-]{20}/)
  })

  it('reset forgets counters, log, tokens and consent, keeping the same live objects', async () => {
    const kit = kitWithRoutes([readRoute])
    const counters = kit.counters
    const byGrant = kit.counters.tokenRequestsByGrant
    const tokens = await signIn(kit)
    kit.consent('deny')
    kit.reset()
    expect(counters.tokenRequests).toBe(0)
    expect(kit.requests).toHaveLength(0)
    expect((await callApi(OBLIGATIONS, tokens.access_token)).status).toBe(401)
    expect((await signIn(kit)).access_token).toBeTruthy() // consent is back to approve
    expect(byGrant.authorization_code).toBe(1)
    expect(kit.counters).toBe(counters)
  })
})
