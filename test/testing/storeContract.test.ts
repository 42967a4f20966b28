import { PGlite } from '@electric-sql/pglite'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { IDBFactory } from 'fake-indexeddb'
import { createBrowserStore, createMemoryClientRegistrationStore, createMemoryStore, defineClient, type ClientRegistrationStore } from '../../src/index.js'
import { guardedStore } from '../../src/session/guardedStore.js'
import { createIndexedDbStore } from '../../src/session/indexedDbStore.js'
import { createPostgresStore, generateEncryptionKey, type PostgresStoreOptions } from '../../src/server/store/index.js'
import { runStoreContract, type OpenedStore, type StoreContractSubject } from '../../src/testing/index.js'
import { fakeStorage } from '../support/fakeBrowser.js'
import { useTestDatabase } from '../support/postgres.js'
import { rawIndexedDbRecords } from '../support/rawIndexedDb.js'

// The store contract grantflow/testing exports, run against every store grantflow ships, each
// alone and behind guardedStore (as the runtime holds the app's store). `twin` is a second
// handle on the same data, as another runtime sharing it holds.

/**
 * Without a token storage, tokens stay in the page's memory: runtimes share them through one
 * store. With one, two stores over the same Web Storage (tabs sharing localStorage) share them.
 */
function browserStores(tokens: boolean): OpenedStore {
  const pendingStorage = fakeStorage()
  if (!tokens) return { store: createBrowserStore({ pendingStorage }) }
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

function sqlStores(
  connections: (Pick<PostgresStoreOptions, 'pool' | 'pglite'> & { schema?: string })[],
  query: (sql: string) => Promise<{ rows: unknown[] }>,
): OpenedStore {
  const table = `sessions_${++tables}`
  const [store, twin] = connections.map((connection) => createPostgresStore({ ...connection, table, encryption }))
  const qualified = connections[0]!.schema ? `"${connections[0]!.schema}"."${table}"` : `"${table}"`
  return { store: store!, twin: twin!, readRaw: async () => (await query(`SELECT * FROM ${qualified}`)).rows }
}

const implementations: StoreContractSubject[] = [
  { name: 'memory', create: () => createMemoryStore() },
  { name: 'browser, pending authorizations in sessionStorage', create: () => browserStores(false) },
  { name: 'browser, tokens in Web Storage too, two stores over it', create: () => browserStores(true) },
  {
    name: 'IndexedDB, two stores over one database (tabs)',
    seals: true,
    create: () => {
      const indexedDB = new IDBFactory()
      return { store: createIndexedDbStore({ indexedDB }), twin: createIndexedDbStore({ indexedDB }), readRaw: () => rawIndexedDbRecords(indexedDB) }
    },
  },
  {
    name: 'Postgres, two pools',
    seals: true,
    create: () => {
      pools ??= [database.pool(), database.pool()]
      return sqlStores(
        pools.map((pool) => ({ pool, schema: database.schema })),
        (sql) => pools![0].query(sql),
      )
    },
  },
  {
    name: 'PGlite, two stores over one database',
    seals: true,
    create: () => sqlStores([{ pglite: embedded }, { pglite: embedded }], (sql) => embedded.query(sql)),
  },
]

for (const subject of implementations) {
  runStoreContract({ describe, it }, subject)
  runStoreContract(
    { describe, it },
    {
      ...subject,
      name: `guarded ${subject.name}`,
      create: async () => {
        const opened = await subject.create()
        const { store, twin, readRaw } = 'store' in opened ? opened : { store: opened, twin: undefined, readRaw: undefined }
        return { store: guardedStore(store), ...(twin && { twin: guardedStore(twin) }), ...(readRaw && { readRaw }) }
      },
    },
  )
}

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
