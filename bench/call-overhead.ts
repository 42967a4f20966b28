// A call with a valid token against a plain fetch of the same request, in the same run, on a
// local HTTP server (127.0.0.1, a port the OS picks). Budget: ≤ 1.05× the plain fetch.
// Rounds alternate the two, and the median of the per-round ratios is reported, so a noisy
// neighbour on a shared machine shifts both sides alike. Run: npm run bench:call
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGrantflow, createMemoryStore, defineApi, defineClient, defineEndpoint, defineProvider, emptySession, shape } from 'grantflow'

// CPU time is counted by the kernel in scheduler ticks (4 ms at HZ=250): a round must last far
// longer than a tick, or the rounding alone moves a ratio by several percent (300 calls, ~80 ms,
// gave 1.02–1.11× from one run to the next; 100 calls gave up to 1.26×). 1500 calls last ~0.4 s.
const CALLS_PER_ROUND = 1500
const ROUNDS = 15
const BUDGET = 1.05

const server = createServer((request, response) => {
  const ok = request.headers.authorization === 'Bearer valid-token'
  response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' })
  response.end(ok ? '{"obligations":[{"periodKey":"#001","status":"O"}]}' : '{}')
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

const provider = defineProvider({
  id: 'local',
  name: 'Local',
  environments: { local: { authorizationServer: { authorizationEndpoint: `${base}/authorize`, tokenEndpoint: `${base}/token` }, apiBaseUrl: base } },
})
const api = defineApi({
  id: 'vat',
  name: 'VAT',
  provider,
  endpoints: { obligations: defineEndpoint({ method: 'GET', path: '/obligations/{vrn}', scopes: ['read:vat'], result: shape<{ obligations: unknown[] }>() }) },
})
const store = createMemoryStore()
const session = emptySession({ api: 'vat', environment: 'local', apiUser: { kind: 'user', id: 'me' } }, Date.now())
await store.set({ ...session, tokens: { accessToken: 'valid-token', tokenType: 'bearer', scopes: ['read:vat'], expiresAt: Date.now() + 3600_000 } }, undefined)
const clients = { local: defineClient({ clientId: 'bench', redirectUri: `${base}/cb` }) }
const grantflow = createGrantflow({ apis: { api }, clients, environment: 'local', apiUser: { user: () => 'me' }, store })

// The same call with an in-memory fetch that answers at once: what is left is grantflow's own
// work per call (finding the session, checking the token, building the request, reading the
// answer), in µs, free of the network stack's noise.
const BODY = '{"obligations":[{"periodKey":"#001","status":"O"}]}'
const memoryFetch = async (..._args: Parameters<typeof fetch>) => new Response(BODY, { headers: { 'content-type': 'application/json' } })
const inMemory = createGrantflow({ apis: { api }, clients, environment: 'local', apiUser: { user: () => 'me' }, store, fetch: memoryFetch })

const plainInMemory = async () =>
  (
    await memoryFetch(`${base}/obligations/123456789`, { headers: { accept: 'application/json', authorization: 'Bearer valid-token' } })
  ).json() as Promise<unknown>
const inMemoryCall = () => inMemory.apis.api.obligations({ vrn: '123456789' })

const plain = async () => {
  const response = await fetch(`${base}/obligations/123456789`, { headers: { accept: 'application/json', authorization: 'Bearer valid-token' } })
  return (await response.json()) as unknown
}
const viaGrantflow = () => grantflow.apis.api.obligations({ vrn: '123456789' })

/**
 * Microseconds of CPU (user + system, client and server: both run in this process) per call.
 * CPU time, unlike wall time, does not count the moments this process waited for a core that
 * another process held, so a busy shared machine shifts it far less.
 */
async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage()
  for (let i = 0; i < CALLS_PER_ROUND; i++) await fn()
  const used = process.cpuUsage(start)
  return (used.user + used.system) / CALLS_PER_ROUND
}

// Warm both paths (JIT, connection pool, the session's first load).
for (let i = 0; i < 200; i++) await Promise.all([plain(), viaGrantflow()])

const ratios: number[] = []
const plainTimes: number[] = []
const grantflowTimes: number[] = []
for (let round = 0; round < ROUNDS; round++) {
  // Alternate which side goes first, so neither always runs on a warmer (or noisier) machine.
  const first = round % 2 === 0 ? plain : viaGrantflow
  const second = first === plain ? viaGrantflow : plain
  const a = await time(first)
  const b = await time(second)
  const [p, g] = first === plain ? [a, b] : [b, a]
  plainTimes.push(p)
  grantflowTimes.push(g)
  ratios.push(g / p)
}
const median = (list: number[]) => [...list].sort((x, y) => x - y)[Math.floor(list.length / 2)]!
const ratio = median(ratios)

// grantflow's own work: wall time of CPU-bound calls (no I/O), alternating, median of rounds.
async function wall(fn: () => Promise<unknown>, calls = 20_000): Promise<number> {
  const start = process.hrtime.bigint()
  for (let i = 0; i < calls; i++) await fn()
  return Number(process.hrtime.bigint() - start) / calls / 1000
}
for (let i = 0; i < 3; i++) await Promise.all([wall(plainInMemory, 2000), wall(inMemoryCall, 2000)])
const added: number[] = []
for (let round = 0; round < 9; round++) added.push((await wall(inMemoryCall)) - (await wall(plainInMemory)))
const own = median(added)

console.log(`plain fetch: ${median(plainTimes).toFixed(1)} µs CPU/call; grantflow, valid token: ${median(grantflowTimes).toFixed(1)} µs CPU/call`)
console.log(`grantflow's own work per call (in-memory fetch): ${own.toFixed(1)} µs, i.e. ${(1 + own / median(plainTimes)).toFixed(3)}× of this plain fetch`)
console.log(`ratio (median of ${ROUNDS} rounds of ${CALLS_PER_ROUND} calls): ${ratio.toFixed(3)}× (budget ${BUDGET}×)`)
server.close()
grantflow.dispose()
inMemory.dispose()
if (ratio > BUDGET) process.exitCode = 1
