import { PGlite } from '@electric-sql/pglite'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createBrowserStore,
  createMemoryClientRegistrationStore,
  createMemoryStore,
  defineClient,
  emptySession,
  type ApiUser,
  type ClientRegistrationStore,
  type PendingAuthorization,
  type Session,
  type SessionStore,
} from '../../src/index.js'
import { guardedStore } from '../../src/session/guardedStore.js'
import { createIndexedDbStore } from '../../src/session/indexedDbStore.js'
import { IDBFactory } from 'fake-indexeddb'
import { createPostgresStore, generateEncryptionKey, type PostgresStoreOptions } from '../../src/server/store/index.js'
import { fakeStorage } from '../support/fakeBrowser.js'
import { useTestDatabase } from '../support/postgres.js'

// The contract every session store keeps, run against each implementation. A new store (a
// database, IndexedDB) adds one line to `stores`: `store` is a fresh, empty store, `twin` a
// second handle on the same data, as another runtime sharing it would hold.

interface StoreUnderTest {
  store: SessionStore
  twin: SessionStore
}

/**
 * Without a token storage, tokens stay in the page's memory: runtimes share them through one
 * store. With one, two stores over the same Web Storage (tabs sharing localStorage) share them.
 */
function browserStores(tokens: boolean): StoreUnderTest {
  const pendingStorage = fakeStorage()
  if (!tokens) {
    const store = createBrowserStore({ pendingStorage })
    return { store, twin: store }
  }
  const tokenStorage = fakeStorage()
  const open = () => createBrowserStore({ pendingStorage, tokenStorage, persistRefreshTokens: true })
  return { store: open(), twin: open() }
}

// The Postgres stores: a real server (two pools, as two instances hold) and the embedded PGlite
// (two stores over one database, as two runtimes of one process). A table per test, so each
// starts empty; every table in this file's schema, dropped after.
const database = useTestDatabase()
// Started before the tests: its start-up (initdb in WebAssembly) holds the thread for seconds.
let embedded: PGlite
beforeAll(async () => {
  embedded = await PGlite.create()
}, 120_000)
afterAll(() => embedded.close())
const encryption = { current: { id: 'contract', key: generateEncryptionKey() } }
let tables = 0
let pools: [pg.Pool, pg.Pool] | undefined

function sqlStores(connections: (Pick<PostgresStoreOptions, 'pool' | 'pglite'> & { schema?: string })[]): StoreUnderTest {
  const table = `sessions_${++tables}`
  const [store, twin] = connections.map((connection) => createPostgresStore({ ...connection, table, encryption }))
  return { store: store!, twin: twin! }
}

const implementations: Record<string, () => StoreUnderTest> = {
  memory: () => {
    const store = createMemoryStore()
    return { store, twin: store }
  },
  'browser, pending authorizations in sessionStorage': () => browserStores(false),
  'browser, tokens in Web Storage too, two stores over it': () => browserStores(true),
  'IndexedDB, two stores over one database (tabs)': () => {
    const indexedDB = new IDBFactory()
    return { store: createIndexedDbStore({ indexedDB }), twin: createIndexedDbStore({ indexedDB }) }
  },
  'Postgres, two pools': () => {
    pools ??= [database.pool(), database.pool()]
    return sqlStores(pools.map((pool) => ({ pool, schema: database.schema })))
  },
  'PGlite, two stores over one database': () => sqlStores([{ pglite: embedded }, { pglite: embedded }]),
}

const stores: Record<string, () => StoreUnderTest> = {
  ...implementations,
  ...Object.fromEntries(
    Object.entries(implementations).map(([name, open]) => [
      `guarded ${name}`,
      () => {
        const { store, twin } = open()
        return { store: guardedStore(store), twin: guardedStore(twin) }
      },
    ]),
  ),
}

const company: ApiUser = { kind: 'company', id: 'acme-ltd' }
const other: ApiUser = { kind: 'company', id: 'other-ltd' }

function session(apiUser: ApiUser = company, api = 'vat'): Session {
  return {
    ...emptySession({ api, environment: 'sandbox', apiUser }, 1_000),
    tokens: { accessToken: `at-${apiUser.id}`, refreshToken: `rt-${apiUser.id}`, tokenType: 'bearer', scopes: ['read:vat'], expiresAt: 3_600_000 },
    version: 1,
  }
}

function pending(state: string): PendingAuthorization {
  return { state, codeVerifier: `verifier-${state}`, scopes: ['read:vat'], createdAt: 1_000, returnTo: '/returns' }
}

describe.each(Object.entries(stores))('session store contract: %s', (_name, open) => {
  it('answers undefined for a key it never stored, and the session it stored, version and all', async () => {
    const { store } = open()
    const written = session()
    expect(await store.get(written.key)).toBeUndefined()
    expect(await store.set(written, undefined)).toEqual({ written: true })
    expect(await store.get(written.key)).toEqual(written)
  })

  it('writes only over the version expected, and answers the current record otherwise', async () => {
    const { store, twin } = open()
    const first = session()
    await store.set(first, undefined)
    // Expecting no record where there is one.
    expect(await store.set({ ...first, errors: [{ at: 1, step: 'call', code: 'x' }] }, undefined)).toEqual({ written: false, current: first })
    // Another runtime wrote version 2 meanwhile; a write prepared from version 1 is refused.
    const rotated = { ...first, tokens: { ...first.tokens!, accessToken: 'at-rotated', refreshToken: 'rt-rotated' }, version: 2 }
    expect(await twin.set(rotated, 1)).toEqual({ written: true })
    const stale = { ...first, errors: [{ at: 2, step: 'refresh' as const, code: 'token_endpoint_error' }], version: 2 }
    expect(await store.set(stale, 1)).toEqual({ written: false, current: rotated })
    expect(await store.get(first.key)).toEqual(rotated)
    // Written once it expects the version that is there.
    expect(await store.set({ ...rotated, errors: stale.errors, version: 3 }, 2)).toEqual({ written: true })
    expect(await twin.get(first.key)).toMatchObject({ version: 3, errors: stale.errors, tokens: { accessToken: 'at-rotated' } })
  })

  it('lets exactly one of two writers expecting the same version win', async () => {
    const { store, twin } = open()
    await store.set(session(), undefined)
    const key = session().key
    // Both read version 1 before either writes (a store over a network answers them in any order).
    const [mine, theirs] = await Promise.all([store.get(key), twin.get(key)])
    const results = await Promise.all([
      store.set({ ...mine!, errors: [{ at: 1, step: 'call', code: 'first' }], version: 2 }, mine!.version),
      twin.set({ ...theirs!, errors: [{ at: 1, step: 'call', code: 'second' }], version: 2 }, theirs!.version),
    ])
    expect(results.filter((r) => r.written)).toHaveLength(1)
    expect((await store.get(key))!.version).toBe(2)
  })

  it('forgets a deleted session, and takes a new one under its key', async () => {
    const { store, twin } = open()
    const written = session()
    await store.set(written, undefined)
    await store.delete(written.key)
    expect(await twin.get(written.key)).toBeUndefined()
    expect(await store.set({ ...written, version: 1 }, undefined)).toEqual({ written: true })
  })

  it("lists one API user's sessions across APIs, and no one else's", async () => {
    const { store } = open()
    await store.set(session(company, 'vat'), undefined)
    await store.set(session(company, 'paye'), undefined)
    await store.set(session(other, 'vat'), undefined)
    expect((await store.list(company)).map((s) => s.api).sort()).toEqual(['paye', 'vat'])
    expect(await store.list({ kind: 'user', id: 'nobody' })).toEqual([])
  })

  it('finds a session by its pending state without taking it', async () => {
    const { store, twin } = open()
    const waiting = { ...session(), pending: pending('s-1') }
    await store.set(waiting, undefined)
    expect(await twin.findByState('s-1')).toEqual(waiting)
    expect(await store.findByState('s-1')).toEqual(waiting)
    expect(await store.findByState('s-unknown')).toBeUndefined()
  })

  it('takes a pending authorization once: the session stays, without it, at a new version', async () => {
    const { store, twin } = open()
    const waiting = { ...session(), pending: pending('s-1') }
    await store.set(waiting, undefined)
    const { pending: _taken, ...rest } = waiting
    const taken = await store.take('s-1')
    expect(taken).toEqual({ pending: pending('s-1'), session: { ...rest, version: 2 } })
    expect(await store.get(waiting.key)).toEqual({ ...rest, version: 2 })
    expect(await store.take('s-1')).toBeUndefined()
    expect(await twin.take('s-1')).toBeUndefined()
    expect(await twin.findByState('s-1')).toBeUndefined()
  })

  it('refuses a write prepared before the take, so the authorization cannot come back', async () => {
    const { store, twin } = open()
    const waiting = { ...session(), pending: pending('s-1') }
    await store.set(waiting, undefined)
    await twin.take('s-1')
    const lateError = { ...waiting, errors: [{ at: 2, step: 'call' as const, code: 'late' }], version: 2 }
    expect(await store.set(lateError, 1)).toMatchObject({ written: false, current: { version: 2 } })
    expect(await store.findByState('s-1')).toBeUndefined()
  })

  it('gives a pending authorization to exactly one of many concurrent takers, across runtimes', async () => {
    const { store, twin } = open()
    await store.set({ ...session(), pending: pending('s-1') }, undefined)
    await store.set({ ...session(other), pending: pending('s-2') }, undefined)
    const takers = await Promise.all([store, twin, store, twin, store, twin].map((s) => s.take('s-1')))
    expect(takers.filter(Boolean)).toEqual([expect.objectContaining({ pending: pending('s-1') })])
    // The other session's authorization is untouched.
    expect((await store.findByState('s-2'))?.pending).toEqual(pending('s-2'))
  })

  it('answers undefined to a take of a state it never stored', async () => {
    const { store } = open()
    await store.set({ ...session(), pending: pending('s-1') }, undefined)
    expect(await store.take('forged')).toBeUndefined()
    expect((await store.get(session().key))?.pending).toEqual(pending('s-1'))
  })

  it('keeps copies: changing what was written, read, listed or taken changes nothing stored', async () => {
    const { store } = open()
    const written = { ...session(), pending: pending('s-1') }
    await store.set(written, undefined)
    written.tokens!.accessToken = 'changed after set'
    written.pending!.codeVerifier = 'changed after set'
    const read = (await store.get(written.key))!
    read.tokens!.accessToken = 'changed after get'
    read.errors.push({ at: 1, step: 'call', code: 'changed' })
    ;(await store.list(company))[0]!.tokens!.accessToken = 'changed after list'
    ;(await store.findByState('s-1'))!.tokens!.accessToken = 'changed after find'
    expect(await store.get(written.key)).toMatchObject({ tokens: { accessToken: 'at-acme-ltd' }, pending: { codeVerifier: 'verifier-s-1' }, errors: [] })
    const taken = (await store.take('s-1'))!
    taken.session.tokens!.accessToken = 'changed after take'
    expect((await store.get(written.key))!.tokens!.accessToken).toBe('at-acme-ltd')
  })
})

const registrationStores: Record<string, () => ClientRegistrationStore> = {
  memory: createMemoryClientRegistrationStore,
}

describe.each(Object.entries(registrationStores))('client registration store contract: %s', (_name, open) => {
  it('keeps one registered client per provider environment', async () => {
    const store = open()
    const sandbox = defineClient({ clientId: 'registered-sandbox', redirectUri: 'https://app.example/callback' })
    const production = defineClient({ clientId: 'registered-production', redirectUri: 'https://app.example/callback' })
    expect(await store.get('hmrc', 'sandbox')).toBeUndefined()
    await store.set('hmrc', 'sandbox', sandbox)
    await store.set('hmrc', 'production', production)
    expect(await store.get('hmrc', 'sandbox')).toEqual(sandbox)
    expect(await store.get('hmrc', 'production')).toEqual(production)
    expect(await store.get('piste', 'sandbox')).toBeUndefined()
    // Registered again (a secret rotated): the newer one is kept.
    await store.set('hmrc', 'sandbox', { ...sandbox, clientId: 'registered-again' })
    expect((await store.get('hmrc', 'sandbox'))!.clientId).toBe('registered-again')
  })

  it('keeps copies: changing a client written or read changes nothing stored', async () => {
    const store = open()
    const client = defineClient({ clientId: 'registered', redirectUri: 'https://app.example/callback' })
    await store.set('hmrc', 'sandbox', client)
    client.clientId = 'changed after set'
    ;(await store.get('hmrc', 'sandbox'))!.clientId = 'changed after get'
    expect((await store.get('hmrc', 'sandbox'))!.clientId).toBe('registered')
  })
})
