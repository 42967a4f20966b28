import { get } from 'node:http'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest'
import { ConfigurationError, ConsentRequiredError, createMemoryStore } from '../../src/index.js'
import { consentRedirect, createRedisSync } from '../../src/server/index.js'
import { testRedis, uniquePrefix } from '../support/redis.js'
import { browser, serverWorld, type Adapter } from './serverWorld.js'

// The server handlers through a real HTTP server on 127.0.0.1: the app's route sends the browser
// to the provider, the provider sends it back to the redirect URI's route, and the call that
// needed consent is replayed once, for the signed-in company.

// The test's own requests to 127.0.0.1 go out; only the fake HMRC is answered in process.
const msw = setupServer()
beforeAll(() => msw.listen({ onUnhandledRequest: 'bypass' }))
afterEach(() => msw.resetHandlers())
afterAll(() => msw.close())

const worlds: Awaited<ReturnType<typeof serverWorld>>[] = []

/** A page load as a browser makes it (Fetch Metadata `navigate`, HTML first), for what a person sees. */
function navigate(url: URL): Promise<{ status: number; contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = { accept: 'text/html,application/xhtml+xml', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', 'x-company': 'acme-ltd' }
    get(url, { headers }, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'] ?? '', body }))
    }).on('error', reject)
  })
}
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((world) => world.close()))
})
async function world(options: Parameters<typeof serverWorld>[1] = {}) {
  const made = await serverWorld(msw, options)
  worlds.push(made)
  return made
}

/** The browser submits a return, is sent to HMRC (which approves), and is back with the callback URL in hand. */
async function consentStarted(app: Awaited<ReturnType<typeof world>>, company = 'acme-ltd', vrn = '123456789') {
  const user = browser(app.origin, company)
  const started = await user.post(`/returns?vrn=${vrn}`, {})
  const authorizationUrl = started.headers.get('location')!
  const callbackUrl = await app.kit.authorize(authorizationUrl)
  return { user, started, authorizationUrl, callbackUrl }
}

describe.each<Adapter>(['node', 'hono'])('a consent through the server handlers (%s)', (adapter) => {
  it('sends the browser to the provider with a binding cookie, then replays the submitted return once for its company', async () => {
    const app = await world({ adapter })
    const { user, started, authorizationUrl, callbackUrl } = await consentStarted(app)
    expect(started.status).toBe(303)
    expect(new URL(authorizationUrl).origin).toBe('https://test-www.tax.service.gov.uk')
    expect(app.routes.submissions).toHaveLength(0)
    const done = await user.request(callbackUrl)
    expect(done.status).toBe(200)
    expect(await done.json()).toMatchObject({ replayed: true, result: { formBundleNumber: expect.any(String) } })
    expect(app.routes.submissions).toHaveLength(1)
    // The company's session holds the grant: its next submission needs no consent.
    const again = await user.post('/returns?vrn=987654321', {})
    expect(again.status).toBe(200)
    expect(app.routes.submissions).toHaveLength(2)
    expect(app.kit.counters.authorizations).toBe(1)
    const [session] = await app.grantflow.withContext(new Request(app.origin, { headers: { 'x-company': 'acme-ltd' } })).sessions.list('company')
    expect(session?.apiUser).toEqual({ kind: 'company', id: 'acme-ltd' })
  })

  it('refuses the callback brought by another browser (binding_mismatch), and still completes it for the right one', async () => {
    const app = await world({ adapter })
    const { user, callbackUrl } = await consentStarted(app)
    for (const other of [browser(app.origin, 'acme-ltd'), browser(app.origin, 'mallory-ltd')]) {
      const refused = await other.request(callbackUrl)
      expect(refused.status).toBe(403)
      expect(refused.headers.get('content-type')).toBe('application/problem+json')
      expect(await refused.json()).toMatchObject({ code: 'invalid_callback', reason: 'binding_mismatch', status: 403 })
    }
    expect(app.kit.counters.tokenRequests).toBe(0)
    expect(app.routes.submissions).toHaveLength(0)
    expect((await user.request(callbackUrl)).status).toBe(200)
    expect(app.routes.submissions).toHaveLength(1)
  })

  it('refuses a replayed callback, even with the cookie it came with: the return is submitted once', async () => {
    const app = await world({ adapter })
    const { user, callbackUrl } = await consentStarted(app)
    const stolen = user.clone()
    expect((await user.request(callbackUrl)).status).toBe(200)
    for (const replay of [user, stolen]) {
      const refused = await replay.request(callbackUrl)
      expect(refused.status).toBeGreaterThanOrEqual(400)
      expect(refused.status).toBeLessThan(500)
      expect(await refused.json()).toMatchObject({ code: 'invalid_callback' })
    }
    expect(app.routes.submissions).toHaveLength(1)
    expect(app.kit.counters.tokenRequestsByGrant.authorization_code).toBe(1)
  })

  it('says a reloaded callback was already completed: code_already_used to code, a page in words to a person', async () => {
    const app = await world({ adapter })
    const { user, callbackUrl } = await consentStarted(app)
    expect((await user.request(callbackUrl)).status).toBe(200)
    // F5 on the receipt: the same browser, whose binding cookie went with the first completion.
    const reloadedByCode = await user.request(callbackUrl)
    expect(reloadedByCode.status).toBe(400)
    expect(await reloadedByCode.json()).toMatchObject({ code: 'invalid_callback', reason: 'code_already_used' })
    // As the browser loads it (fetch sends Sec-Fetch-Mode: cors whatever it is told: node:http here).
    const reloaded = await navigate(new URL(callbackUrl, app.origin))
    expect(reloaded.status).toBe(400)
    expect(reloaded.contentType).toMatch(/^text\/html/)
    const page = reloaded.body
    expect(page).toContain('This sign-in was already completed')
    expect(page).toContain('code_already_used')
    // Nothing of the callback in the page: not its code, not its state.
    for (const value of new URL(callbackUrl).searchParams.values()) expect(page).not.toContain(value)
    expect(app.routes.submissions).toHaveLength(1)
  })
})

describe('instances sharing a store', () => {
  it('complete on another instance a consent one instance started, replaying its call once there', async () => {
    const store = createMemoryStore()
    const { url } = await testRedis()
    const channel = uniquePrefix('sync')
    const syncs = [createRedisSync({ redis: url, channel }), createRedisSync({ redis: url, channel })]
    onTestFinished(() => Promise.all(syncs.map((sync) => sync.close())).then(() => undefined))
    const first = await world({ store, sync: [syncs[0]!] })
    const second = await world({ store, sameAppAs: first, sync: [syncs[1]!] })
    const { user, callbackUrl } = await consentStarted(first)
    // The load balancer sends the browser's callback to the other instance.
    const callback = new URL(callbackUrl)
    const done = await user.request(new URL(callback.pathname + callback.search, second.origin).href)
    expect(done.status).toBe(200)
    expect(await done.json()).toMatchObject({ replayed: true, result: { formBundleNumber: expect.any(String) } })
    expect(first.routes.submissions).toHaveLength(1)
    // Told by the second (Redis pub/sub), the first instance's live session takes the tokens from
    // the store, so its next call for the company needs no consent.
    const sessionKey: string = (await store.list({ kind: 'company', id: 'acme-ltd' }))[0]!.key
    await vi.waitFor(() => expect(first.grantflow.tokenSession(sessionKey)?.getSnapshot().matches('valid')).toBe(true))
    expect((await user.post('/returns?vrn=987654321', {})).status).toBe(200)
    expect(first.kit.counters.authorizations).toBe(1)
  })
})

describe('failures', () => {
  it('refuse a request body over 256 kB through the node:http adapter before a handler reads it: 413, nothing started', async () => {
    const app = await world({ adapter: 'node' })
    const answer = await fetch(`${app.origin}/returns?vrn=123456789`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-company': 'acme-ltd' },
      body: 'x='.padEnd(300 * 1024, 'a'),
    })
    expect(answer.status).toBe(413)
    expect(await answer.json()).toMatchObject({ error: 'invalid_request' })
    expect(app.routes.submissions).toHaveLength(0)
    expect(app.kit.counters.authorizations).toBe(0)
  })

  it('answer a problem with the code and reason, and nothing of the callback, the binding or a token', async () => {
    const app = await world()
    const { user, callbackUrl } = await consentStarted(app)
    const secrets = [new URL(callbackUrl).searchParams.get('code')!, ...user.cookies().values()]
    app.kit.fail({ endpoint: 'token', kind: 'invalid_grant', grant: 'authorization_code' })
    const failed = await user.request(callbackUrl)
    const text = await failed.text()
    expect(failed.status).toBe(502)
    expect(JSON.parse(text)).toMatchObject({ type: 'urn:grantflow:error:token_endpoint_error', code: 'token_endpoint_error', error: 'invalid_grant' })
    for (const secret of secrets) expect(text).not.toContain(secret)
    expect(app.routes.submissions).toHaveLength(0)
  })
})

describe('the binding cookie', () => {
  it('is Secure, with the __Secure- prefix, for a redirect URI that is not http loopback', () => {
    const error = new ConsentRequiredError({
      provider: { id: 'hmrc', name: 'HMRC' },
      api: { id: 'vat', name: 'VAT' },
      scopes: ['write:vat'],
      reason: 'no_session',
      sessionKey: 'vat/sandbox/company%3Aacme-ltd',
      authorizationUrl: 'https://provider.example/authorize?state=abc_DEF-1&redirect_uri=https%3A%2F%2Fapp.example%2Fauth%2Fcallback',
      binding: 'the-binding',
    })
    const response = consentRedirect(error)
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe(error.authorizationUrl)
    expect(response.headers.get('set-cookie')).toBe(
      '__Secure-grantflow-consent.abc_DEF-1=the-binding; Path=/auth/callback; Max-Age=600; HttpOnly; SameSite=Lax; Secure',
    )
  })

  it('cannot be made for a consent error without a binding: a ConfigurationError, no redirect', () => {
    const error = new ConsentRequiredError({
      provider: { id: 'hmrc', name: 'HMRC' },
      api: { id: 'vat', name: 'VAT' },
      scopes: ['write:vat'],
      reason: 'no_session',
      sessionKey: 'vat/sandbox/company%3Aacme-ltd',
      authorizationUrl: 'https://provider.example/authorize?state=abc',
    })
    expect(() => consentRedirect(error)).toThrow(ConfigurationError)
  })

  it('is HttpOnly, SameSite=Lax and sent only to the callback route (Secure but on http loopback)', async () => {
    const app = await world()
    const { started } = await consentStarted(app)
    const [cookie] = started.headers.getSetCookie()
    expect(cookie).toMatch(/^grantflow-consent\.[A-Za-z0-9_-]+=[A-Za-z0-9_-]+;/)
    expect(cookie).toContain('HttpOnly')
    expect(cookie).toContain('SameSite=Lax')
    expect(cookie).toContain('Path=/callback')
    expect(cookie).not.toContain('Secure')
  })

  it('is forgotten once the callback is handled', async () => {
    const app = await world()
    const { user, callbackUrl } = await consentStarted(app)
    expect(user.cookies().size).toBe(1)
    await user.request(callbackUrl)
    expect(user.cookies().size).toBe(0)
  })
})

describe('where the callback sends the browser', () => {
  const hostile = [
    '//evil.example',
    'https://evil.example/steal',
    '/\\evil.example',
    '/%2F%2Fevil.example',
    '/%5Cevil.example',
    '/.//evil.example',
    '/a/..//evil.example',
    '/\t/evil.example',
    'javascript:alert(1)',
  ]

  // Refused when the consent is prepared, and again by the callback route.
  it('goes to the saved returnTo only if it is a same-origin path once normalised, else to /', async () => {
    let returnTo: string | undefined
    const app = await world({ returnTo: () => returnTo, handlers: { afterCallback: 'redirect' } })
    const landed: Record<string, string | null> = {}
    for (const [i, value] of [...hostile, '/returns/./new?period=18A1'].entries()) {
      returnTo = value
      const { user, callbackUrl } = await consentStarted(app, `company-${i}`, `10000000${i}`)
      const done = await user.request(callbackUrl)
      expect(done.status).toBe(303)
      landed[value] = done.headers.get('location')
    }
    for (const value of hostile) expect(landed[value]).toBe('/')
    expect(landed['/returns/./new?period=18A1']).toBe('/returns/new?period=18A1')
    // Every call was still replayed once.
    expect(app.routes.submissions).toHaveLength(hostile.length + 1)
  })

  it("takes each call's returnTo from its own request: two users' consents, each sent back to where it began", async () => {
    const app = await world({
      returnTo: (request) => (request ? (new URL(request.url).searchParams.get('back') ?? undefined) : undefined),
      handlers: { afterCallback: 'redirect' },
    })
    const started = await Promise.all(
      (['acme-ltd', 'globex-plc'] as const).map(async (company, i) => {
        const user = browser(app.origin, company)
        const answer = await user.post(`/returns?vrn=10000000${i}&back=/returns/${company}`, {})
        return { user, company, callbackUrl: await app.kit.authorize(answer.headers.get('location')!) }
      }),
    )
    for (const { user, company, callbackUrl } of started.reverse()) {
      const done = await user.request(callbackUrl)
      expect(done.status).toBe(303)
      expect(done.headers.get('location')).toBe(`/returns/${company}`)
    }
    expect(app.routes.submissions).toHaveLength(2)
  })
})

describe('connecting before any call', () => {
  it('sends the browser to the provider for an endpoint, and back to its returnTo with no call made', async () => {
    const app = await world()
    const user = browser(app.origin, 'acme-ltd')
    const started = await user.post('/grantflow/connect', { api: 'vat', endpoint: 'submitReturn', returnTo: '/settings/connections' })
    expect(started.status).toBe(303)
    const done = await user.request(await app.kit.authorize(started.headers.get('location')!))
    expect(done.status).toBe(303)
    expect(done.headers.get('location')).toBe('/settings/connections')
    expect(app.routes.submissions).toHaveLength(0)
    expect((await user.post('/returns', {})).status).toBe(200)
    expect(app.kit.counters.authorizations).toBe(1)
  })

  it('keeps a returnTo of another origin out of the authorization', async () => {
    const app = await world({ handlers: { afterCallback: 'redirect' } })
    const user = browser(app.origin, 'acme-ltd')
    const started = await user.post('/grantflow/connect', { api: 'vat', endpoint: 'submitReturn', returnTo: '//evil.example' })
    const done = await user.request(await app.kit.authorize(started.headers.get('location')!))
    expect(done.headers.get('location')).toBe('/')
  })

  it('refuses a form posted by another site, and an endpoint that does not exist', async () => {
    const app = await world()
    const user = browser(app.origin, 'acme-ltd')
    const crossSite = await user.post('/grantflow/connect', { api: 'vat', endpoint: 'submitReturn' }, { 'sec-fetch-site': 'cross-site' })
    expect(crossSite.status).toBe(403)
    expect(await crossSite.json()).toMatchObject({ code: 'cross_site_request' })
    const unknown = await user.post('/grantflow/connect', { api: 'vat', endpoint: 'nothing' })
    expect(unknown.status).toBe(400)
    expect(app.kit.counters.authorizations).toBe(0)
  })
})

describe('disconnecting', () => {
  it("disconnects the request's own session, and finds no other company's", async () => {
    const app = await world()
    const { user, callbackUrl } = await consentStarted(app, 'acme-ltd')
    const body = await (await user.request(callbackUrl)).json()
    const sessionKey: string = body.sessionKey
    const mallory = browser(app.origin, 'mallory-ltd')
    const refused = await mallory.post('/grantflow/disconnect', { sessionKey })
    expect(refused.status).toBe(404)
    expect((await app.grantflow.sessions.get(sessionKey))?.tokens).toBeDefined()
    const disconnected = await user.post('/grantflow/disconnect', { sessionKey })
    expect(disconnected.status).toBe(200)
    expect(await disconnected.json()).toMatchObject({ sessionKey, revoked: false })
    expect((await app.grantflow.sessions.get(sessionKey))?.tokens).toBeUndefined()
    // The next submission asks for consent again.
    expect((await user.post('/returns', {})).status).toBe(303)
  })
})
