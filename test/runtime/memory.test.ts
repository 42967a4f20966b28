import { setFlagsFromString } from 'node:v8'
import { waitFor } from 'xstate'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { createGrantflow, defineClient, emptySession, type ConsentRequiredError, type Session, type SessionStore } from '../../src/index.js'
import { useMsw, vat, vatWorld, VRN } from '../support/vatWorld.js'

const server = useMsw()

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** The heap in use after a full collection. */
function heapUsed(): number {
  for (let i = 0; i < 3; i++) gc()
  return process.memoryUsage().heapUsed
}

/**
 * A database as seen from the process: every company has a valid session, and nothing the
 * runtime saves stays in this process's memory (as with Postgres), so what grows is the runtime's.
 */
function databaseStore(now: () => number): SessionStore {
  const sessionOf = (key: string): Session => {
    const company = decodeURIComponent(key.split('/')[2]!).split(':')[1]!
    const session = emptySession({ api: 'vat', environment: 'sandbox', apiUser: { kind: 'company', id: company } }, now())
    return { ...session, tokens: { accessToken: `at-${company}`, tokenType: 'bearer', scopes: ['read:vat'], expiresAt: now() + 3600_000, receivedAt: now() } }
  }
  return {
    async get(key) {
      return sessionOf(key)
    },
    async set() {
      return { written: true }
    },
    async delete() {},
    async list() {
      return []
    },
    async findByState() {
      return undefined
    },
    async take() {
      return undefined
    },
  }
}

describe('memory on a long-lived server', () => {
  it('stays flat as the number of users called grows: sessions are let go, their state is in the store', async () => {
    let company = 'c0'
    const now = () => Date.UTC(2026, 11, 1)
    const answer = JSON.stringify({ obligations: [] })
    const grantflow = createGrantflow({
      apis: { vat },
      clients: { hmrc: defineClient({ clientId: 'vat-app', redirectUri: 'https://app.example/callback' }) },
      environment: 'sandbox',
      apiUser: { company: () => company },
      store: databaseStore(now),
      now,
      fetch: async () => new Response(answer, { headers: { 'content-type': 'application/json' } }),
    })
    const callUsers = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        company = `c${i}`
        await grantflow.apis.vat.obligations({ vrn: VRN })
      }
    }
    await callUsers(0, 1_000)
    const before = heapUsed()
    await callUsers(1_000, 6_000)
    const after = heapUsed()
    const perUser = (after - before) / 5_000
    console.log(`memory: ${Math.round(perUser)} bytes of heap kept per user called (5,000 more users)`)
    // Before sessions were let go, each user called kept about 48 kB for the life of the process.
    expect(perUser).toBeLessThan(1_024)
    grantflow.dispose()
  }, 120_000)
})

describe('sessions let go of', () => {
  it('come back from the store as they were: no consent again, one refresh each', async () => {
    let company = 'alpha'
    const world = vatWorld({ server, grantflow: { maxLiveSessions: 1, apiUser: { company: () => company } } })
    const query = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }
    for (const name of ['alpha', 'beta', 'alpha', 'beta']) {
      company = name
      await world.grantflow.apis.vat.obligations(query)
    }
    expect(world.kit.counters.authorizations).toBe(2)
    world.clock.advance(4 * 3600_000 + 1)
    for (const name of ['alpha', 'beta', 'alpha', 'beta']) {
      company = name
      await world.grantflow.apis.vat.obligations(query)
    }
    expect(world.kit.counters.tokenRequestsByGrant.refresh_token).toBe(2)
    expect(world.kit.counters.authorizations).toBe(2)
  })
})

describe('consents their users walked away from', () => {
  it('do not keep the sessions behind them live: past their lifetime they are let go too', async () => {
    let company = 'walked-away-0'
    const world = vatWorld({ server, user: 'none', grantflow: { maxLiveSessions: 10, apiUser: { company: () => company } } })
    const query = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }
    const abandoned: string[] = []
    for (let i = 0; i < 8; i++) {
      company = `walked-away-${i}`
      const error = (await world.grantflow.apis.vat.obligations(query).catch((e: unknown) => e)) as ConsentRequiredError
      abandoned.push(error.sessionKey)
    }
    world.clock.advance(10 * 60_000 + 1)
    // Busy ones too: 100 companies whose consent has just been asked.
    const recent: string[] = []
    for (let i = 0; i < 100; i++) {
      company = `asked-${i}`
      const error = (await world.grantflow.apis.vat.obligations(query).catch((e: unknown) => e)) as ConsentRequiredError
      recent.push(error.sessionKey)
    }
    const isLive = (key: string) => world.grantflow.tokenSession(key) !== undefined
    // The walked-away ones are let go; the consents under way all stay live (a wizard may watch
    // them), beyond the bound of 10, and each still holds its pending authorization.
    expect(abandoned.filter(isLive)).toEqual([])
    expect(recent.filter(isLive)).toEqual(recent)
    for (const key of recent) expect(world.grantflow.tokenSession(key)!.getSnapshot().context.pending).toBeDefined()
  })
})

describe('consents under way', () => {
  it('do not keep idle sessions behind them live', async () => {
    let company = 'asked-0'
    const world = vatWorld({ server, grantflow: { maxLiveSessions: 10, apiUser: { company: () => company } } })
    const query = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }
    // Eight consents asked (the oldest sessions), their users still at the provider.
    const asked: string[] = []
    for (let i = 0; i < 8; i++) {
      company = `asked-${i}`
      const wizard = await world.grantflow.startWizard({ api: 'vat', endpoint: 'obligations', params: query }, { interaction: 'none' })
      await waitFor(wizard, (s) => s.matches('consentRequired'))
      asked.push((wizard.getSnapshot().context.error as ConsentRequiredError).sessionKey)
    }
    // Then 200 companies connected and called.
    const called: string[] = []
    for (let i = 0; i < 200; i++) {
      company = `connected-${i}`
      await world.grantflow.apis.vat.obligations(query)
      const [session] = await world.grantflow.sessions.list({ kind: 'company', id: company })
      called.push(session!.key)
    }
    const isLive = (key: string) => world.grantflow.tokenSession(key) !== undefined
    const live = called.filter(isLive)
    // The consents under way stay live and take 8 of the 10 places; of the 200 idle sessions
    // called after them only the two most recently used are live, the rest let go.
    expect(asked.filter(isLive)).toEqual(asked)
    expect(live).toEqual(called.slice(-2))
  })
})
