import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createGrantflow,
  createMemoryStore,
  defineApi,
  defineClient,
  defineEndpoint,
  defineProvider,
  emptySession,
  ProviderUnreachableError,
  shape,
  type GrantflowOptions,
} from '../../src/index.js'

/**
 * A real API on 127.0.0.1 that misbehaves by path: `/silent` never answers, `/stalled` sends its
 * headers and the start of a body and never the rest, `/flaky` answers 503 once then 200, `/ok`
 * answers at once. It counts the requests it received, by method and path.
 */
const received: string[] = []
let flakyAnswered = false
const server = createServer((request: IncomingMessage, response: ServerResponse) => {
  received.push(`${request.method} ${request.url}`)
  // Read the request body, so a POST counts as received whole.
  request.resume()
  if (request.url === '/silent') return
  if (request.url === '/stalled') {
    response.writeHead(200, { 'content-type': 'application/json' })
    response.write('{"obligations":[')
    return
  }
  if (request.url === '/flaky' && !flakyAnswered) {
    flakyAnswered = true
    response.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' })
    response.end('Service Unavailable')
    return
  }
  response.writeHead(200, { 'content-type': 'application/json' })
  response.end('{"ok":true}')
})
let base = ''
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  // The silent and stalled requests hold their sockets open: close them, or close() never returns.
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

const endpoints = {
  silent: defineEndpoint({ method: 'GET', path: '/silent', result: shape<unknown>() }),
  stalled: defineEndpoint({ method: 'GET', path: '/stalled', result: shape<unknown>() }),
  silentPost: defineEndpoint({ method: 'POST', path: '/silent', body: shape<{ n: number }>() }),
  ok: defineEndpoint({ method: 'GET', path: '/ok', result: shape<{ ok: boolean }>() }),
  /** Its own timeout, far shorter than the runtime's. */
  quick: defineEndpoint({ method: 'GET', path: '/silent', timeoutMs: 100, result: shape<unknown>() }),
  flaky: defineEndpoint({ method: 'GET', path: '/flaky', retry: true, result: shape<{ ok: boolean }>() }),
  neverRetried: defineEndpoint({ method: 'GET', path: '/silent', retry: false, result: shape<unknown>() }),
}

async function localRuntime(options: Pick<GrantflowOptions<never>, 'apiTimeoutMs' | 'retry' | 'sleep'> = {}) {
  const provider = defineProvider({
    id: 'local',
    name: 'Local',
    environments: { local: { authorizationServer: { authorizationEndpoint: `${base}/authorize`, tokenEndpoint: `${base}/token` }, apiBaseUrl: base } },
  })
  const api = defineApi({ id: 'local-api', name: 'Local API', provider, endpoints })
  const store = createMemoryStore()
  const session = emptySession({ api: 'local-api', environment: 'local', apiUser: { kind: 'user', id: 'me' } }, Date.now())
  await store.set({ ...session, tokens: { accessToken: 'valid-token', tokenType: 'bearer', scopes: [], expiresAt: Date.now() + 3600_000 } }, undefined)
  const grantflow = createGrantflow({
    apis: { api },
    clients: { local: defineClient({ clientId: 'local-app', redirectUri: `${base}/cb` }) },
    environment: 'local',
    apiUser: { user: () => 'me' },
    store,
    ...options,
  })
  return { grantflow, calls: grantflow.apis.api, store, sessionKey: session.key }
}

const count = (line: string) => received.filter((r) => r === line).length

describe('API call timeouts', () => {
  it('ends a call to an API that never answers in ProviderUnreachableError (timeout), and the session stays usable', async () => {
    const { grantflow, calls, sessionKey, store } = await localRuntime({ apiTimeoutMs: 150 })
    const error = await calls.silent({}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ProviderUnreachableError)
    expect(error).toMatchObject({ reason: 'timeout', url: `${base}/silent` })
    await expect(calls.ok({})).resolves.toEqual({ ok: true })
    // Nothing forgot the session's token: the timeout is the API's, not the grant's.
    expect((await store.get(sessionKey))?.tokens?.accessToken).toBe('valid-token')
    grantflow.dispose()
  })

  it('times out an answer whose headers came but whose body stalls', async () => {
    const { grantflow, calls } = await localRuntime({ apiTimeoutMs: 150 })
    await expect(calls.stalled({})).rejects.toMatchObject({ code: 'provider_unreachable', reason: 'timeout' })
    await expect(calls.ok({})).resolves.toEqual({ ok: true })
    grantflow.dispose()
  })

  it("uses an endpoint's own timeoutMs over the runtime's", async () => {
    // The runtime would wait ten minutes; the endpoint says 100 ms.
    const { grantflow, calls } = await localRuntime({ apiTimeoutMs: 600_000 })
    await expect(calls.quick({})).rejects.toMatchObject({ code: 'provider_unreachable', reason: 'timeout' })
    grantflow.dispose()
  })

  it('sends a POST that timed out exactly once, even with GET calls retried', async () => {
    const before = count('POST /silent')
    const waits: number[] = []
    const { grantflow, calls } = await localRuntime({ apiTimeoutMs: 150, retry: { getCalls: true }, sleep: async (ms) => void waits.push(ms) })
    // It went out and nothing came back: the API may have done it, so it is not sent again.
    await expect(calls.silentPost({}, { n: 1 })).rejects.toMatchObject({
      name: 'CallOutcomeUnknownError',
      code: 'outcome_unknown',
      method: 'POST',
      reason: 'timeout',
    })
    expect(count('POST /silent') - before).toBe(1)
    expect(waits).toEqual([])
    grantflow.dispose()
  })

  it('retries a GET that timed out when the runtime allows it, up to the attempts', async () => {
    const before = count('GET /silent')
    const waits: number[] = []
    const { grantflow, calls } = await localRuntime({ apiTimeoutMs: 150, retry: { getCalls: true, attempts: 2 }, sleep: async (ms) => void waits.push(ms) })
    await expect(calls.silent({})).rejects.toMatchObject({ code: 'provider_unreachable', reason: 'timeout' })
    expect(count('GET /silent') - before).toBe(2)
    expect(waits).toHaveLength(1)
    grantflow.dispose()
  })

  it("does not retry an endpoint that says retry: false, whatever the runtime's getCalls", async () => {
    const before = count('GET /silent')
    const { grantflow, calls } = await localRuntime({ apiTimeoutMs: 150, retry: { getCalls: true }, sleep: async () => {} })
    await expect(calls.neverRetried({})).rejects.toMatchObject({ reason: 'timeout' })
    expect(count('GET /silent') - before).toBe(1)
    grantflow.dispose()
  })

  it("retries an endpoint that says retry: true after a 503, waiting the server's Retry-After", async () => {
    const waits: number[] = []
    const { grantflow, calls } = await localRuntime({ sleep: async (ms) => void waits.push(ms) })
    await expect(calls.flaky({})).resolves.toEqual({ ok: true })
    expect(count('GET /flaky')).toBe(2)
    expect(waits).toEqual([1000])
    grantflow.dispose()
  })
})

// Type-level: a retry on an endpoint that changes something does not compile.
// @ts-expect-error retry is for GET endpoints only
defineEndpoint({ method: 'POST', path: '/returns', retry: true })
