import { describe, expect, it } from 'vitest'
import {
  ApiError,
  createGrantflow,
  defineApi,
  defineClient,
  defineEndpoint,
  defineProvider,
  ProviderUnreachableError,
  shape,
  TokenEndpointError,
  type ConsentNavigator,
  type GrantflowOptions,
} from '../../src/index.js'
import { RETRY_AFTER_SECONDS } from '../../src/testing/faults.js'
import { createProviderKit } from '../../src/testing/index.js'
import { countsSince, REDIRECT_URI, testClock, useMsw, vatReturn, vatWorld, VRN } from '../support/vatWorld.js'

const server = useMsw()
const FOUR_HOURS = 4 * 3600_000
const query = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }
type VatOptions = NonNullable<Parameters<typeof vatWorld>[0]['grantflow']>

/** The VAT world, connected, with a sleep that only records how long it was asked to wait. */
async function connected(grantflow: VatOptions = {}) {
  const waits: number[] = []
  const world = vatWorld({ server, grantflow: { sleep: async (ms) => void waits.push(ms), ...grantflow } })
  await world.grantflow.apis.vat.obligations(query)
  return { ...world, waits, since: countsSince(world.kit) }
}

describe('retrying API calls', () => {
  it("retries a GET after a 503 once, after the server's Retry-After, when the app allows it", async () => {
    const { grantflow, kit, waits, since } = await connected({ retry: { getCalls: true } })
    kit.fail({ endpoint: 'api', kind: 'unavailable' })
    await expect(grantflow.apis.vat.obligations(query)).resolves.toHaveProperty('obligations')
    expect(since().apiCalls).toBe(2)
    expect(waits).toEqual([RETRY_AFTER_SECONDS * 1000])
  })

  it('does not retry a GET by default', async () => {
    const { grantflow, kit, waits, since } = await connected()
    kit.fail({ endpoint: 'api', kind: 'unavailable' })
    await expect(grantflow.apis.vat.obligations(query)).rejects.toMatchObject({ code: 'api_error', status: 503, retryAfter: RETRY_AFTER_SECONDS })
    expect(since().apiCalls).toBe(1)
    expect(waits).toEqual([])
  })

  it('never sends a POST twice, even with GET calls retried', async () => {
    const { grantflow, kit, routes, waits, since } = await connected({ retry: { getCalls: true } })
    kit.fail({ endpoint: 'api', kind: 'unavailable' })
    await expect(grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn())).rejects.toMatchObject({ status: 503 })
    expect(since().apiCalls).toBe(1)
    expect(routes.submissions).toHaveLength(0)
    expect(waits).toEqual([])
  })

  it('gives up after the attempts with the last ApiError, its retryAfter kept', async () => {
    const { grantflow, kit, waits, since } = await connected({ retry: { getCalls: true } })
    kit.fail({ endpoint: 'api', kind: 'rate_limited', times: Infinity })
    const error = await grantflow.apis.vat.obligations(query).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ status: 429, error: 'rate_limited', retryAfter: RETRY_AFTER_SECONDS })
    expect(since().apiCalls).toBe(3)
    expect(waits).toEqual([2000, 2000])
  })

  it('does not wait for a Retry-After past its time budget: it fails at once, saying when to come back', async () => {
    const { grantflow, kit, waits, since } = await connected({ retry: { getCalls: true, budgetMs: 1000 } })
    kit.fail({ endpoint: 'api', kind: 'unavailable' })
    await expect(grantflow.apis.vat.obligations(query)).rejects.toMatchObject({ status: 503, retryAfter: RETRY_AFTER_SECONDS })
    expect(since().apiCalls).toBe(1)
    expect(waits).toEqual([])
  })

  it('backs off with jitter after a network failure: a wait below the base delay, then the call goes through', async () => {
    const { grantflow, kit, waits } = await connected({ retry: { getCalls: true, baseDelayMs: 400 } })
    kit.fail({ endpoint: 'api', kind: 'network' })
    await expect(grantflow.apis.vat.obligations(query)).resolves.toHaveProperty('obligations')
    expect(waits).toHaveLength(1)
    expect(waits[0]).toBeGreaterThanOrEqual(0)
    expect(waits[0]).toBeLessThan(400)
  })
})

describe('retrying a refresh', () => {
  it('retries a refresh the provider answered 503 to (it did not process it), without asking for consent', async () => {
    const { grantflow, kit, clock, waits, since } = await connected()
    clock.advance(FOUR_HOURS + 1)
    kit.fail({ endpoint: 'token', kind: 'unavailable', grant: 'refresh_token' })
    await expect(grantflow.apis.vat.obligations(query)).resolves.toHaveProperty('obligations')
    expect(since().refreshes).toBe(2)
    expect(since().authorizations).toBe(0)
    expect(waits).toEqual([2000])
  })

  it('does not resend a refresh that timed out after it was sent: the provider may have spent the refresh token', async () => {
    const waits: number[] = []
    // The request reaches the provider (which rotates the refresh token), but the answer comes too late.
    const lateFetch: typeof fetch = async (input, init) => {
      const response = await globalThis.fetch(input, init)
      if (!String(init?.body).includes('grant_type=refresh_token')) return response
      await response.text()
      throw new DOMException('The operation was aborted due to timeout', 'TimeoutError')
    }
    const { grantflow, kit, clock, since } = await connected({ fetch: lateFetch, sleep: async (ms) => void waits.push(ms) })
    clock.advance(FOUR_HOURS + 1)
    const error = await grantflow.apis.vat.obligations(query).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProviderUnreachableError)
    expect(error).toMatchObject({ reason: 'timeout' })
    expect(since().refreshes).toBe(1)
    expect(waits).toEqual([])
    expect(kit.requests.filter((r) => r.grantType === 'refresh_token')).toHaveLength(1)
  })

  it('does not resend a refresh after a network failure that does not say whether it was sent (a browser)', async () => {
    const { grantflow, kit, clock, waits } = await connected()
    clock.advance(FOUR_HOURS + 1)
    kit.fail({ endpoint: 'token', kind: 'network', grant: 'refresh_token' })
    await expect(grantflow.apis.vat.obligations(query)).rejects.toBeInstanceOf(ProviderUnreachableError)
    expect(waits).toEqual([])
  })

  it('retries a refresh whose connection was refused (nothing was sent)', async () => {
    let refused = false
    const refusingFetch: typeof fetch = async (input, init) => {
      if (!refused && String(init?.body).includes('grant_type=refresh_token')) {
        refused = true
        throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }) })
      }
      return globalThis.fetch(input, init)
    }
    const { grantflow, clock, waits, since } = await connected({ fetch: refusingFetch })
    clock.advance(FOUR_HOURS + 1)
    await expect(grantflow.apis.vat.obligations(query)).resolves.toHaveProperty('obligations')
    expect(since().refreshes).toBe(1)
    expect(waits).toHaveLength(1)
  })
})

describe('retrying client credentials', () => {
  it('retries a 429 after its Retry-After and gets the token', async () => {
    const waits: number[] = []
    const { grantflow, pisteKit } = vatWorld({ server, grantflow: { sleep: async (ms) => void waits.push(ms) } })
    pisteKit.fail({ endpoint: 'token', kind: 'rate_limited' })
    await expect(grantflow.apis.legifrance.getArticle({}, { id: 'LEGIARTI000006419320' })).resolves.toHaveProperty('article')
    expect(pisteKit.counters.tokenRequests).toBe(2)
    expect(waits).toEqual([2000])
  })

  it('ends in TokenEndpointError with the provider status after the attempts', async () => {
    const { grantflow, pisteKit } = vatWorld({ server, grantflow: { sleep: async () => {} } })
    pisteKit.fail({ endpoint: 'token', kind: 'unavailable', times: Infinity })
    const error = await grantflow.apis.legifrance.getArticle({}, { id: 'x' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TokenEndpointError)
    expect(error).toMatchObject({ grant: 'client_credentials', status: 503 })
    expect(pisteKit.counters.tokenRequests).toBe(3)
  })

  it("does not retry a 500 (the work may have been done), and keeps the provider's error code", async () => {
    const waits: number[] = []
    const { grantflow, pisteKit } = vatWorld({ server, grantflow: { sleep: async (ms) => void waits.push(ms) } })
    pisteKit.fail({ endpoint: 'token', kind: 'server_error' })
    await expect(grantflow.apis.legifrance.getArticle({}, { id: 'x' })).rejects.toMatchObject({
      code: 'token_endpoint_error',
      status: 500,
      error: 'server_error',
    })
    expect(pisteKit.counters.tokenRequests).toBe(1)
    expect(waits).toEqual([])
  })

  it('tries once with retry: false', async () => {
    const { grantflow, pisteKit } = vatWorld({ server, grantflow: { retry: false } })
    pisteKit.fail({ endpoint: 'token', kind: 'rate_limited' })
    await expect(grantflow.apis.legifrance.getArticle({}, { id: 'x' })).rejects.toMatchObject({ status: 429, error: 'rate_limited' })
    expect(pisteKit.counters.tokenRequests).toBe(1)
  })
})

/** A provider found by discovery, with a revocation endpoint (the kit's discovery document has one). */
function acmeWorld(options: Pick<GrantflowOptions<never>, 'sleep' | 'retry'>) {
  const clock = testClock()
  const provider = defineProvider({
    id: 'acme',
    name: 'Acme Corp',
    environments: { production: { authorizationServer: { issuer: 'https://login.acme.example', discovery: 'oidc' }, apiBaseUrl: 'https://api.acme.example' } },
  })
  const kit = createProviderKit({
    provider,
    environment: 'production',
    clients: [{ clientId: 'app', authMethod: 'none', redirectUris: [REDIRECT_URI] }],
    now: clock.now,
    api: [{ method: 'GET', path: '/me', scopes: ['read'], respond: () => ({ name: 'Ada' }) }],
  })
  server.use(...kit.handlers)
  const api = defineApi({
    id: 'acme',
    name: 'Acme profile',
    provider,
    endpoints: { me: defineEndpoint({ method: 'GET', path: '/me', scopes: ['read'], result: shape<{ name: string }>() }) },
  })
  const navigator: ConsentNavigator = {
    mode: 'custom',
    async open(url) {
      await grantflow.completeAuthorization(await kit.authorize(url)).catch(() => undefined)
    },
  }
  const grantflow = createGrantflow({
    apis: { api },
    clients: { acme: defineClient({ clientId: 'app', redirectUri: REDIRECT_URI }) },
    environment: 'production',
    navigator,
    now: clock.now,
    ...options,
  })
  return { kit, grantflow }
}

describe('retrying discovery and revocation', () => {
  it('retries discovery after a network failure', async () => {
    const waits: number[] = []
    const { kit, grantflow } = acmeWorld({ sleep: async (ms) => void waits.push(ms) })
    kit.fail({ endpoint: 'discovery', kind: 'network' })
    await expect(grantflow.apis.api.me({})).resolves.toEqual({ name: 'Ada' })
    expect(kit.requests.filter((r) => r.endpoint === 'discovery').map((r) => r.status)).toEqual([0, 200])
    expect(waits).toHaveLength(1)
  })

  it('ends in ProviderUnreachableError when discovery fails every attempt', async () => {
    const { kit, grantflow } = acmeWorld({ sleep: async () => {}, retry: { attempts: 2 } })
    kit.fail({ endpoint: 'discovery', kind: 'network', times: Infinity })
    await expect(grantflow.apis.api.me({})).rejects.toBeInstanceOf(ProviderUnreachableError)
    expect(kit.requests.filter((r) => r.endpoint === 'discovery')).toHaveLength(2)
  })

  it('retries a revocation the provider answered 503 to', async () => {
    const waits: number[] = []
    const { kit, grantflow } = acmeWorld({ sleep: async (ms) => void waits.push(ms) })
    await grantflow.apis.api.me({})
    const [session] = await grantflow.sessions.list({ kind: 'user', id: 'me' })
    kit.fail({ endpoint: 'revoke', kind: 'unavailable' })
    await grantflow.sessions.disconnect(session!.key)
    expect(kit.requests.filter((r) => r.endpoint === 'revoke').map((r) => r.status)).toEqual([503, 200])
    expect(waits).toEqual([2000])
  })
})
