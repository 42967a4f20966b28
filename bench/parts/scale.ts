// Scale: one server process calling for 10,000 and 100,000 users (each with a valid session in the
// store). Heap kept per idle user beyond the store's own records (the store alone with the same
// records is the baseline), the CPU cost of a call spread over N users against a call for 1, and
// the timers and intervals left active (none may be kept per session).
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import {
  createGrantflow,
  createMemoryStore,
  defineApi,
  defineClient,
  defineEndpoint,
  defineProvider,
  emptySession,
  shape,
  type Session,
  type SessionStore,
} from 'grantflow'
import { cpuMicros, median, type Goal, type PartResult } from '../lib/measure.js'

export interface ScaleOptions {
  short: boolean
}

/**
 * A store the scale part can fill and measure. The memory store now; the Postgres store
 * (`createPostgresStore` from grantflow/server, being built) plugs in here as another entry, its
 * records then living in the database, so the baseline is the pool's own heap.
 */
export interface ScaleStore {
  name: string
  create(): Promise<SessionStore>
  close(store: SessionStore): Promise<void>
}

export const memoryScaleStore: ScaleStore = {
  name: 'memory store',
  create: async () => createMemoryStore(),
  close: async () => undefined,
}

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const heapUsed = () => {
  for (let i = 0; i < 4; i++) gc()
  return process.memoryUsage().heapUsed
}
const timers = () => process.getActiveResourcesInfo().filter((name) => name === 'Timeout' || name === 'Immediate').length

const NOW = Date.now()
const BODY = '{"obligations":[]}'
const memoryFetch = async (..._args: Parameters<typeof fetch>) => new Response(BODY, { headers: { 'content-type': 'application/json' } })
const base = 'https://api.example'
const provider = defineProvider({
  id: 'local',
  name: 'Local',
  environments: { local: { authorizationServer: { authorizationEndpoint: `${base}/authorize`, tokenEndpoint: `${base}/token` }, apiBaseUrl: base } },
})
const vat = defineApi({
  id: 'vat',
  name: 'VAT',
  provider,
  endpoints: {
    obligations: defineEndpoint({
      method: 'GET',
      path: '/obligations/{vrn}',
      scopes: ['read:vat'],
      apiUser: 'company',
      result: shape<{ obligations: unknown[] }>(),
    }),
  },
})

const sessionOf = (company: string): Session => ({
  ...emptySession({ api: 'vat', environment: 'local', apiUser: { kind: 'company', id: company } }, NOW),
  tokens: { accessToken: `at-${company}`, tokenType: 'bearer', scopes: ['read:vat'], expiresAt: NOW + 24 * 3600_000, receivedAt: NOW },
})

async function seeded(kind: ScaleStore, users: number): Promise<SessionStore> {
  const store = await kind.create()
  for (let i = 0; i < users; i++) await store.set(sessionOf(`c${i}`), undefined)
  return store
}

function runtime(store: SessionStore) {
  const grantflow = createGrantflow({
    apis: { vat },
    clients: { local: defineClient({ clientId: 'bench', redirectUri: 'https://app.example/cb' }) },
    environment: 'local',
    store,
    apiUser: { company: (company: string) => company },
    fetch: memoryFetch,
  })
  const call = (company: string) => grantflow.withContext(company).apis.vat.obligations({ vrn: '123456789' })
  return { grantflow, call }
}

export async function scale({ short }: ScaleOptions, kind: ScaleStore = memoryScaleStore): Promise<PartResult> {
  const goals: Goal[] = []
  const lines: string[] = []
  const goal = (name: string, measured: string, bound: string, met: boolean, value?: number) =>
    goals.push({ part: 'scale', name, measured, goal: bound, met, value })
  // The short run measures the ratio over fewer rounds: a looser bound, still a bound.
  const costBound = short ? 1.25 : 1.1

  // What the runtime keeps beyond the store, by user count: the live-session cache (bounded,
  // MAX_LIVE_SESSIONS) is a fixed cost, so the figure per idle user is the growth from 10,000 to
  // 100,000 users over the 90,000 more; the total per user at each count is reported beside it.
  const kept = new Map<number, number>()
  // The short run (CI) calls for 5,000 and 25,000 users, so it ends within a minute or so.
  const [small, big] = short ? [5_000, 25_000] : [10_000, 100_000]
  const fmt = (n: number) => n.toLocaleString('en')
  for (const users of [small, big]) {
    const empty = heapUsed()
    const store = await seeded(kind, users)
    const storeAlone = heapUsed()
    const timersBefore = timers()
    const { grantflow, call } = runtime(store)
    for (let i = 0; i < users; i++) await call(`c${i}`)
    const afterCalls = heapUsed()
    const timersAfter = timers()
    const perUser = (afterCalls - storeAlone) / users
    lines.push(
      `${users.toLocaleString('en')} users (${kind.name}): the store's records ${((storeAlone - empty) / users).toFixed(0)} B each; kept beyond them after calling every user once: ${perUser.toFixed(0)} B per user; active timers ${timersBefore} before, ${timersAfter} after`,
    )
    kept.set(users, afterCalls - storeAlone)
    if (users === big) {
      const marginal = (kept.get(big)! - kept.get(small)!) / (big - small)
      lines.push(
        `heap kept per idle user, from ${fmt(small)} to ${fmt(big)} users: ${marginal.toFixed(0)} B (fixed beside it: ${(kept.get(small)! / 1024 / 1024).toFixed(1)} MB at ${fmt(small)} users, the live sessions' cache)`,
      )
      goal(
        `heap kept per idle user beyond the store's record (${fmt(small)} → ${fmt(big)} users)`,
        `${marginal.toFixed(0)} B`,
        '≤ 2048 B',
        marginal <= 2048,
        marginal,
      )
    }
    goal(
      `${users.toLocaleString('en')} users: no timer or interval kept per session`,
      `${timersAfter - timersBefore} more active`,
      '≤ 2 more, whatever the users',
      timersAfter - timersBefore <= 2,
    )

    if (users === big) {
      // One call's CPU cost, calls spread over every user, against a runtime whose store holds one.
      const single = runtime(await seeded(kind, 1))
      const calls = 2000
      let next = 0
      const spread = () =>
        cpuMicros(async () => {
          for (let i = 0; i < calls; i++) await call(`c${(next = (next + 7919) % users)}`)
        })
      const one = () =>
        cpuMicros(async () => {
          for (let i = 0; i < calls; i++) await single.call('c0')
        })
      await one()
      await spread()
      const ratios: number[] = []
      const costs: number[] = []
      for (let r = 0; r < (short ? 5 : 11); r++) {
        const [s, o] = r % 2 === 0 ? [await spread(), await one()] : [await one(), await spread()].reverse()
        ratios.push(s! / o!)
        costs.push(o! / calls)
      }
      const ratio = median(ratios)
      lines.push(
        `a call at ${fmt(big)} users / a call at 1: ${ratio.toFixed(3)}× (CPU, median of ${ratios.length} alternating rounds of ${calls}; ${median(costs).toFixed(1)} µs a call at 1)`,
      )
      goal(
        `cost of a call at ${fmt(big)} users / at 1`,
        `${ratio.toFixed(3)}×`,
        `≤ ${costBound}×${short ? ' (short run; full run ≤ 1.1×)' : ''}`,
        ratio <= costBound,
        ratio,
      )
      single.grantflow.dispose()
    }
    grantflow.dispose()
    await kind.close(store)
  }
  return { goals, lines }
}
