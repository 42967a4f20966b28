import { IDBFactory } from 'fake-indexeddb'
import { describe, expect, it } from 'vitest'
import { emptySession, type Session } from '../../src/index.js'
import { createIndexedDbStore } from '../../src/session/indexedDbStore.js'
import { rawIndexedDbRecords } from '../support/rawIndexedDb.js'

// What the IndexedDB store adds to the contract every store keeps (test/testing/storeContract.test.ts):
// tokens and PKCE verifiers sealed at rest, one sealing key for every tab, and records it
// cannot open dropped rather than crashing the app or blocking its writes.

const apiUser = { kind: 'user' as const, id: 'me' }

function session(): Session {
  return {
    ...emptySession({ api: 'vat', environment: 'sandbox', apiUser }, 1_000),
    tokens: { accessToken: 'at-secret-value', refreshToken: 'rt-secret-value', tokenType: 'bearer', scopes: ['read:vat'], expiresAt: 3_600_000 },
    pending: { state: 'state-1', codeVerifier: 'verifier-secret-value', nonce: 'nonce-secret-value', scopes: ['read:vat'], createdAt: 1_000 },
    version: 1,
  }
}

/** Rewrites one record in place, as someone editing the profile's database would. */
async function tamper(indexedDB: IDBFactory, key: string, edit: (record: { session: { data: ArrayBuffer } }) => void) {
  const db = await new Promise<IDBDatabase>((resolve) => {
    const request = indexedDB.open('grantflow')
    request.onsuccess = () => resolve(request.result)
  })
  const transaction = db.transaction('sessions', 'readwrite')
  const sessions = transaction.objectStore('sessions')
  await new Promise<void>((resolve) => {
    const request = sessions.get(key)
    request.onsuccess = () => {
      const record = request.result as { session: { data: ArrayBuffer } }
      edit(record)
      sessions.put(record)
      resolve()
    }
  })
  await new Promise<void>((resolve) => (transaction.oncomplete = () => resolve()))
  db.close()
}

describe('IndexedDB session store', () => {
  // That nothing secret is readable there is the contract's (the store says it seals).
  it('keeps in clear only the key, version, API user and state, which its indexes need; the rest sealed', async () => {
    const indexedDB = new IDBFactory()
    const store = createIndexedDbStore({ indexedDB })
    await store.set(session(), undefined)
    const records = await rawIndexedDbRecords(indexedDB)
    expect(records).toHaveLength(1)
    expect(records[0]).toMatchObject({ key: session().key, version: 1, kind: 'user', id: 'me', state: 'state-1' })
    // The rest, sealed: the session's body and its pending authorization.
    expect(Object.keys(records[0] as object).sort()).toEqual(['id', 'key', 'kind', 'pending', 'session', 'state', 'version'])
  })

  it('gives every tab one sealing key, even when they open the database at once', async () => {
    const indexedDB = new IDBFactory()
    const tabs = [createIndexedDbStore({ indexedDB }), createIndexedDbStore({ indexedDB }), createIndexedDbStore({ indexedDB })]
    // Each tab writes its own session first, so each may have generated a key of its own.
    await Promise.all(tabs.map((tab, i) => tab.set({ ...session(), key: `key-${i}`, pending: undefined }, undefined)))
    for (const tab of tabs) for (let i = 0; i < tabs.length; i++) expect((await tab.get(`key-${i}`))?.tokens?.refreshToken).toBe('rt-secret-value')
  })

  it('keeps sessions and pending authorizations across a reload (a new store over the same database)', async () => {
    const indexedDB = new IDBFactory()
    await createIndexedDbStore({ indexedDB }).set(session(), undefined)
    const reloaded = createIndexedDbStore({ indexedDB })
    expect(reloaded.survivesReload).toBe(true)
    expect(await reloaded.findByState('state-1')).toEqual(session())
    expect((await reloaded.take('state-1'))?.pending.codeVerifier).toBe('verifier-secret-value')
  })

  it('drops a record whose ciphertext was changed, and lets a new session be written under its key', async () => {
    const indexedDB = new IDBFactory()
    const store = createIndexedDbStore({ indexedDB })
    await store.set(session(), undefined)
    await tamper(indexedDB, session().key, (record) => {
      const bytes = new Uint8Array(record.session.data.slice(0))
      bytes[0] = bytes[0]! ^ 0xff
      record.session.data = bytes.buffer
    })
    expect(await store.get(session().key)).toBeUndefined()
    expect(await store.findByState('state-1')).toBeUndefined()
    expect(await store.set({ ...session(), version: 1 }, undefined)).toEqual({ written: true })
    expect((await store.get(session().key))?.tokens?.accessToken).toBe('at-secret-value')
  })

  it('writes over an unreadable record whatever version it claims, rather than being blocked by it', async () => {
    const indexedDB = new IDBFactory()
    const store = createIndexedDbStore({ indexedDB })
    await store.set({ ...session(), version: 7 }, undefined)
    await tamper(indexedDB, session().key, (record) => (record.session.data = new ArrayBuffer(32)))
    expect(await store.set(session(), undefined)).toEqual({ written: true })
    expect((await store.get(session().key))?.version).toBe(1)
  })

  it('keeps apps apart by database name', async () => {
    const indexedDB = new IDBFactory()
    await createIndexedDbStore({ indexedDB, name: 'app-a' }).set(session(), undefined)
    expect(await createIndexedDbStore({ indexedDB, name: 'app-b' }).get(session().key)).toBeUndefined()
    expect(await rawIndexedDbRecords(indexedDB, 'app-a')).toHaveLength(1)
  })
})
