import { describe, expect, it } from 'vitest'
import { createProviderKit } from '../../src/testing/index.js'
import { acmeProvider, authorizationRequest, callApi, HMRC_API, HMRC_AUTHORIZE, HMRC_TOKEN, hmrc, postForm, signIn, useMswServer } from './support.js'

const { serve } = useMswServer()
const API = `${HMRC_API}/organisations/vat/123456789/obligations`
const route = { method: 'GET' as const, path: '/organisations/vat/{vrn}/obligations', respond: () => ({ obligations: [] }) }

function hmrcKit() {
  return serve(createProviderKit({ provider: hmrc, environment: 'sandbox', api: [route], rotateRefreshTokens: false }))
}

function refresh(refreshToken: string | undefined) {
  return postForm(HMRC_TOKEN, { grant_type: 'refresh_token', refresh_token: refreshToken ?? '', client_id: 'test-client' })
}

describe('injected faults', () => {
  it('server_error answers 500 once, then the endpoint works again', async () => {
    const kit = hmrcKit()
    const tokens = await signIn(kit)
    kit.fail({ endpoint: 'token', kind: 'server_error' })
    expect((await refresh(tokens.refresh_token)).status).toBe(500)
    expect((await refresh(tokens.refresh_token)).status).toBe(200)
    expect(kit.requests.filter((r) => r.grantType === 'refresh_token').map((r) => r.status)).toEqual([500, 200])
  })

  it('unavailable answers 503 with Retry-After: 2', async () => {
    const kit = hmrcKit()
    const tokens = await signIn(kit)
    kit.fail({ endpoint: 'api', kind: 'unavailable' })
    const response = await callApi(API, tokens.access_token)
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('2')
  })

  it('rate_limited answers 429 with Retry-After', async () => {
    const kit = hmrcKit()
    const tokens = await signIn(kit)
    kit.fail({ endpoint: 'api', kind: 'rate_limited' })
    const response = await callApi(API, tokens.access_token)
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('2')
    expect(kit.counters.apiCalls).toBe(1)
  })

  it('network makes fetch reject as a network failure would, and is logged with status 0', async () => {
    const kit = hmrcKit()
    const tokens = await signIn(kit)
    kit.fail({ endpoint: 'token', kind: 'network' })
    await expect(refresh(tokens.refresh_token)).rejects.toThrow(TypeError)
    expect(kit.requests.at(-1)).toMatchObject({ endpoint: 'token', status: 0 })
  })

  it('malformed_json answers 200 with a JSON content type and a body that does not parse', async () => {
    const kit = hmrcKit()
    const tokens = await signIn(kit)
    kit.fail({ endpoint: 'token', kind: 'malformed_json' })
    const response = await refresh(tokens.refresh_token)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('application/json')
    await expect(response.json()).rejects.toThrow(SyntaxError)
  })

  it('invalid_grant refuses a valid refresh token without spending it', async () => {
    const kit = hmrcKit()
    const tokens = await signIn(kit)
    kit.fail({ endpoint: 'token', kind: 'invalid_grant' })
    const refused = await refresh(tokens.refresh_token)
    expect(refused.status).toBe(400)
    expect(await refused.json()).toMatchObject({ error: 'invalid_grant' })
    expect((await refresh(tokens.refresh_token)).status).toBe(200)
  })

  it('slow holds the answer back for delayMs, then answers normally', async () => {
    const kit = hmrcKit()
    const tokens = await signIn(kit)
    kit.fail({ endpoint: 'api', kind: 'slow', delayMs: 120 })
    const started = performance.now()
    const response = await callApi(API, tokens.access_token)
    expect(performance.now() - started).toBeGreaterThanOrEqual(100)
    expect(response.status).toBe(200)
  })

  it('times sets how many requests meet the fault; Infinity keeps it until reset', async () => {
    const kit = hmrcKit()
    const tokens = await signIn(kit)
    kit.fail({ endpoint: 'api', kind: 'server_error', times: 2 })
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push((await callApi(API, tokens.access_token)).status)
    expect(statuses).toEqual([500, 500, 200])

    kit.fail({ endpoint: 'api', kind: 'unavailable', times: Infinity })
    for (let i = 0; i < 5; i++) expect((await callApi(API, tokens.access_token)).status).toBe(503)
    kit.reset()
    // reset forgot the token too: the API now refuses it, but no longer with the fault.
    expect((await callApi(API, tokens.access_token)).status).toBe(401)
  })

  it('a token fault naming a grant spares the other grants', async () => {
    const kit = hmrcKit()
    kit.fail({ endpoint: 'token', kind: 'unavailable', grant: 'refresh_token' })
    const tokens = await signIn(kit)
    expect(tokens.access_token).toMatch(/\S/)
    expect((await refresh(tokens.refresh_token)).status).toBe(503)
  })

  it('refuses a fault with times below 1, or a grant on a non-token fault', () => {
    const kit = hmrcKit()
    expect(() => kit.fail({ endpoint: 'api', kind: 'server_error', times: 0 })).toThrow(RangeError)
    expect(() => kit.fail({ endpoint: 'api', kind: 'server_error', grant: 'refresh_token' })).toThrow(TypeError)
  })

  it('an authorize fault makes the user meet an error page instead of a redirect', async () => {
    const kit = hmrcKit()
    kit.fail({ endpoint: 'authorize', kind: 'server_error' })
    const { url } = await authorizationRequest(HMRC_AUTHORIZE)
    await expect(kit.authorize(url)).rejects.toThrow(/answered 500/)
    expect(new URL(await kit.authorize(url)).searchParams.get('code')).toMatch(/\S/)
    expect(kit.counters.authorizations).toBe(2)
  })

  it('revoke and discovery faults hit those endpoints', async () => {
    const kit = serve(createProviderKit({ provider: acmeProvider(), environment: 'production' }))
    kit.fail({ endpoint: 'discovery', kind: 'unavailable' })
    kit.fail({ endpoint: 'revoke', kind: 'server_error' })
    expect((await fetch('https://login.acme.example/.well-known/openid-configuration')).status).toBe(503)
    expect((await fetch('https://login.acme.example/.well-known/openid-configuration')).status).toBe(200)
    const revoke = await postForm('https://login.acme.example/revoke', { token: 'x', client_id: 'test-client' })
    expect(revoke.status).toBe(500)
    expect(kit.counters).toMatchObject({ discovery: 2, revocations: 1 })
  })
})
