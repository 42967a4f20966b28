// Scale: one server process calling for 10,000 and 100,000 users (each with a valid session in the
// store). Heap kept per idle user beyond the store's own records (the store alone with the same
// records is the baseline), the CPU cost of a call spread over N users against a call for 1, and
// the timers and intervals left active (none may be kept per session).
import { randomBytes } from 'node:crypto'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createGrantflow, createMemoryStore, defineClient, emptySession, type Session, type SessionStore } from 'grantflow'
import { createPostgresStore, type PostgresSessionStore } from 'grantflow/server'
import pg from 'pg'
import { localProvider, vatApi } from '../lib/declarations.js'
import { benchSchemaName, dropSchema, findPostgres, type Found } from '../lib/services.js'
import { cpuMicros, median, type Goal, type PartResult } from '../lib/measure.js'

export interface ScaleOptions {
  short: boolean
}

/** A store the scale part fills and measures: the memory store, then the Postgres store. */
export interface ScaleStore {
  name: string
  /** Goal names carry it, but the memory store's (the first measured, whose ceilings are kept). */
  suffix: string
  create(): Promise<SessionStore>
  close(store: SessionStore): Promise<void>
}

export const memoryScaleStore: ScaleStore = {
  name: 'memory store',
  suffix: '',
  create: async () => createMemoryStore(),
  close: async () => undefined,
}

/**
 * The Postgres store (grantflow/server) on the machine's Postgres (found as bench/lib/services.ts
 * finds it: DATABASE_URL, else 127.0.0.1:5432 database `test`), in a schema of the run's own,
 * dropped after: the records live in the database, so what the heap keeps beyond the baseline is
 * the runtime's alone. With no Postgres answering, the store's embedded default (PGlite, in this
 * process) stands in.
 */
export const postgresScaleStore: ScaleStore = {
  name: 'Postgres store',
  suffix: ' (Postgres store)',
  async create() {
    const encryption = { current: { id: 'bench', key: randomBytes(32) } }
    const found = await (postgres ??= findPostgres())
    if ('missing' in found) {
      postgresScaleStore.name = 'Postgres store on PGlite (no Postgres answered)'
      const { PGlite } = await import('@electric-sql/pglite')
      const pglite = await PGlite.create()
      const store = createPostgresStore({ encryption, pglite })
      await store.migrate()
      afterClose.set(store, () => pglite.close())
      return store
    }
    const schema = benchSchemaName()
    const pool = new pg.Pool({ connectionString: found.url, max: 8 })
    const store = createPostgresStore({ pool, schema, encryption })
    await store.migrate()
    afterClose.set(store, async () => {
      await pool.end()
      await dropSchema(found.url, schema)
    })
    return store
  },
  async close(store) {
    await (store as PostgresSessionStore).close()
    await afterClose.get(store)?.()
  },
}

let postgres: Promise<Found> | undefined
// What ends with a store: the pool or PGlite the bench opened for it, and its schema.
const afterClose = new Map<SessionStore, () => Promise<void>>()

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
const vat = vatApi(localProvider(base))

const sessionOf = (company: string): Session => ({
  ...emptySession({ api: 'vat', environment: 'local', apiUser: { kind: 'company', id: company } }, NOW),
  tokens: { accessToken: `at-${company}`, tokenType: 'bearer', scopes: ['read:vat'], expiresAt: NOW + 24 * 3600_000, receivedAt: NOW },
})

async function seeded(kind: ScaleStore, users: number): Promise<SessionStore> {
  const store = await kind.create()
  // In batches: a database store answers over a socket, one round trip per write.
  for (let i = 0; i < users; i += 64) {
    await Promise.all(Array.from({ length: Math.min(64, users - i) }, (_, j) => store.set(sessionOf(`c${i + j}`), undefined)))
  }
  return store
}

function runtime(store: SessionStore, maxLiveSessions?: number) {
  const grantflow = createGrantflow({
    ...(maxLiveSessions && { maxLiveSessions }),
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

/** The memory store, then the Postgres store (reported as not measured where there is none). */
const CALLS = 2000

/** CPU (and wall) per call, calls spread over `users` against calls for one, alternating rounds. */
async function costRatio(spreadCall: (company: string) => Promise<unknown>, users: number, oneCall: (company: string) => Promise<unknown>, rounds: number) {
  let next = 0
  const timed = async (run: () => Promise<unknown>) => {
    const wallStart = process.hrtime.bigint()
    const cpu = await cpuMicros(async () => {
      for (let i = 0; i < CALLS; i++) await run()
    })
    return { cpu, wall: Number(process.hrtime.bigint() - wallStart) / 1000 }
  }
  const spread = () => timed(() => spreadCall(`c${(next = (next + 7919) % users)}`))
  const one = () => timed(() => oneCall('c0'))
  await one()
  await spread()
  const ratios: number[] = []
  const wallRatios: number[] = []
  const costs = { one: [] as number[], spread: [] as number[] }
  for (let r = 0; r < rounds; r++) {
    const [s, o] = r % 2 === 0 ? [await spread(), await one()] : [await one(), await spread()].reverse()
    ratios.push(s!.cpu / o!.cpu)
    wallRatios.push(s!.wall / o!.wall)
    costs.one.push(o!.cpu / CALLS)
    costs.spread.push(s!.cpu / CALLS)
  }
  return { ratio: median(ratios), wallRatio: median(wallRatios), one: median(costs.one), spread: median(costs.spread) }
}

export async function scale(options: ScaleOptions, kinds: ScaleStore[] = [memoryScaleStore, postgresScaleStore]): Promise<PartResult> {
  const result: PartResult = { goals: [], lines: [] }
  for (const kind of kinds) {
    const part = await scaleOf(options, kind)
    result.goals.push(...part.goals)
    result.lines.push(...part.lines)
  }
  return result
}

async function scaleOf({ short }: ScaleOptions, kind: ScaleStore): Promise<PartResult> {
  const goals: Goal[] = []
  const lines: string[] = []
  const goal = (name: string, measured: string, bound: string, met: boolean, value?: number) =>
    goals.push({ part: 'scale', name: name + kind.suffix, measured, goal: bound, met, value })
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
      const singleStore = await seeded(kind, 1)
      const single = runtime(singleStore)
      const rounds = short ? 5 : 11
      const cost = await costRatio(call, users, single.call, rounds)
      lines.push(
        `a call at ${fmt(big)} users / a call at 1: ${cost.ratio.toFixed(3)}× (CPU of this process, median of ${rounds} alternating rounds of ${CALLS}; ${cost.one.toFixed(1)} µs a call at 1, ${cost.spread.toFixed(1)} µs at ${fmt(big)}; wall time ${cost.wallRatio.toFixed(3)}×)`,
      )
      goal(
        `cost of a call at ${fmt(big)} users / at 1`,
        `${cost.ratio.toFixed(3)}×`,
        `≤ ${costBound}×${short ? ' (short run; full run ≤ 1.1×)' : ''}`,
        cost.ratio <= costBound,
        cost.ratio,
      )
      // Where the rest goes: a user beyond the sessions kept in memory (maxLiveSessions) is read
      // from the store. The store's own read, spread over every user against one user's, and the
      // same calls with every user's session kept (the memory that costs, per user).
      const read = await costRatio(
        (c) => store.get(sessionOf(c).key),
        users,
        () => singleStore.get(sessionOf('c0').key),
        rounds,
      )
      lines.push(
        `  the store's read alone: ${read.spread.toFixed(1)} µs spread over ${fmt(big)} users, ${read.one.toFixed(1)} µs for one (${read.ratio.toFixed(3)}×); a call at 1 reads none (its session is kept)`,
      )
      grantflow.dispose()
      const beforeAll = heapUsed()
      const keepingAll = runtime(store, users)
      for (let i = 0; i < users; i++) await keepingAll.call(`c${i}`)
      const keptAll = (heapUsed() - beforeAll) / users
      const all = await costRatio(keepingAll.call, users, single.call, rounds)
      lines.push(
        `  with maxLiveSessions: ${fmt(users)} (every user's session kept): a call at ${fmt(big)} users / at 1: ${all.ratio.toFixed(3)}×, for ${keptAll.toFixed(0)} B kept per user`,
      )
      keepingAll.grantflow.dispose()
      single.grantflow.dispose()
      await kind.close(singleStore)
    }
    grantflow.dispose()
    await kind.close(store)
  }
  return { goals, lines }
}
