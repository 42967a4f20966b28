import type { ApiUser, PendingAuthorization, Session } from '../model/session.js'
import { parseSessionRecord } from './sessionRecord.js'
import type { SessionStore, SetResult } from './store.js'

// The store for tabs that share their sessions: one IndexedDB database per origin, which every
// tab opens. Its compare-and-set and take each run in one readwrite transaction, and IndexedDB
// runs readwrite transactions over the same object store one after another across all tabs,
// so "exactly one tab takes a pending authorization" and "a refresh token rotated in one tab is
// never overwritten by another's older write" hold without a lock.
//
// Tokens and the pending authorization's secrets (PKCE verifier, nonce) are sealed with AES-GCM
// under a key the store generates as non-extractable and keeps in the same database: what is on
// disk in the browser profile is ciphertext, and no script can export the key. (A script running
// in the page can still use it, as it can call the API: this protects the record at rest, not
// the page from itself.) Only what the store must compare or look up stays in clear: the key,
// the version, the API user and the pending authorization's state.

/**
 * The part of `window.indexedDB` the store uses (a test passes fake-indexeddb's). Declared by
 * shape, so the declarations need no DOM lib in a Node project.
 */
export interface IndexedDbFactory {
  open(name: string, version?: number): object
}

/** Web Crypto as the store uses it (`globalThis.crypto`), declared by shape for the same reason. */
export interface WebCryptoLike {
  readonly subtle: object
  getRandomValues<T extends Uint8Array<ArrayBuffer>>(array: T): T
}

export interface IndexedDbStoreOptions {
  /** The database's name (default `grantflow`): apps sharing an origin keep theirs apart. */
  name?: string
  indexedDB?: IndexedDbFactory
  /** Web Crypto (default `globalThis.crypto`). */
  crypto?: WebCryptoLike
}

/** A session as IndexedDB holds it. */
interface StoredRecord {
  key: string
  version: number | undefined
  kind: string
  id: string
  /** The pending authorization's state, indexed (uniquely) so a callback finds it in one lookup. */
  state?: string
  session: Sealed
  pending?: Sealed
}

interface Sealed {
  iv: Uint8Array<ArrayBuffer>
  data: ArrayBuffer
}

const SESSIONS = 'sessions'
const KEYS = 'keys'
const SEALING_KEY = 'sealing'

/** A request's outcome as a promise. */
const settle = <T>(request: IDBRequest<T>) =>
  new Promise<T>((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })

/** Resolves once a transaction committed (its writes are visible to every tab). */
const committed = (transaction: IDBTransaction) =>
  new Promise<void>((resolve, reject) => {
    transaction.oncomplete = () => resolve()
    transaction.onerror = () => reject(transaction.error)
    transaction.onabort = () => reject(transaction.error ?? new DOMException('transaction aborted', 'AbortError'))
  })

/**
 * A session store in IndexedDB, shared by every tab of the origin and kept across reloads, with
 * tokens sealed at rest. With `createWebLock()` and `createBroadcastSync()` a refresh runs once
 * across tabs, the others take its tokens, and one consent serves every tab waiting on it.
 *
 * Refresh tokens are kept (sealed): the tabs share them, so whichever tab finds the token expired
 * can renew it. An app that wants no refresh token on disk uses `createBrowserStore()` instead.
 *
 * @example
 * createGrantflow({ ..., store: createIndexedDbStore(), lock: createWebLock(), sync: [createBroadcastSync()] })
 */
export function createIndexedDbStore(options: IndexedDbStoreOptions = {}): SessionStore {
  const factory = (options.indexedDB ?? globalThis.indexedDB) as IDBFactory
  const webCrypto = (options.crypto ?? globalThis.crypto) as Crypto
  const subtle = webCrypto.subtle
  const name = options.name ?? 'grantflow'

  let opening: Promise<IDBDatabase> | undefined
  const database = () =>
    (opening ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(name, 1)
      request.onupgradeneeded = () => {
        const db = request.result
        const sessions = db.createObjectStore(SESSIONS, { keyPath: 'key' })
        sessions.createIndex('state', 'state', { unique: true })
        sessions.createIndex('apiUser', ['kind', 'id'])
        db.createObjectStore(KEYS)
      }
      request.onsuccess = () => {
        const db = request.result
        // Another tab upgrading the database (a newer grantflow): let it, and open again on next use.
        db.onversionchange = () => {
          db.close()
          opening = undefined
        }
        resolve(db)
      }
      request.onerror = () => {
        opening = undefined
        reject(request.error)
      }
    }))

  /** The sealing key: the one some tab stored first, generated here if there is none yet. */
  let sealingKey: Promise<CryptoKey> | undefined
  const keyOf = () =>
    (sealingKey ??= (async () => {
      const db = await database()
      const stored = await settle(db.transaction(KEYS).objectStore(KEYS).get(SEALING_KEY))
      if (stored) return stored as CryptoKey
      // Generated outside the transaction (crypto is async and would let it commit); added only if
      // no other tab added one meanwhile, and whichever was stored first is the key.
      const generated = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
      const transaction = db.transaction(KEYS, 'readwrite')
      const keys = transaction.objectStore(KEYS)
      const again = (await settle(keys.get(SEALING_KEY))) as CryptoKey | undefined
      if (!again) keys.put(generated, SEALING_KEY)
      await committed(transaction)
      return again ?? generated
    })().catch((error: unknown) => {
      sealingKey = undefined
      throw error
    }))

  const seal = async (value: unknown): Promise<Sealed> => {
    const iv = webCrypto.getRandomValues(new Uint8Array(12))
    const data = await subtle.encrypt({ name: 'AES-GCM', iv }, await keyOf(), new TextEncoder().encode(JSON.stringify(value)))
    return { iv, data }
  }

  /** What was sealed, or undefined when it cannot be opened (tampered, or sealed under a key since lost). */
  const unseal = async (sealed: Sealed): Promise<unknown> => {
    try {
      const plain = await subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv }, await keyOf(), sealed.data)
      return JSON.parse(new TextDecoder().decode(plain))
    } catch {
      return undefined
    }
  }

  /** The session a record holds, checked as a browser store's record is; undefined if it cannot be read. */
  const open = async (record: StoredRecord | undefined): Promise<Session | undefined> => {
    if (!record) return undefined
    const [body, pending] = await Promise.all([unseal(record.session), record.pending && unseal(record.pending)])
    if (!body || (record.pending && !pending)) return undefined
    return parseSessionRecord({ ...(body as object), ...(pending ? { pending } : {}), version: record.version }, record.key)
  }

  /** The record to write for a session: its secrets sealed before the transaction starts. */
  const recordOf = async (session: Session): Promise<StoredRecord> => {
    const { pending, version, ...body } = session
    const [sealedBody, sealedPending] = await Promise.all([seal(body), pending && seal(pending)])
    return {
      key: session.key,
      version,
      kind: session.apiUser.kind,
      id: session.apiUser.id,
      ...(pending && { state: pending.state, pending: sealedPending }),
      session: sealedBody,
    }
  }

  const readRecord = async (key: string) => settle<StoredRecord | undefined>((await database()).transaction(SESSIONS).objectStore(SESSIONS).get(key))

  /**
   * Drops a record that cannot be read (tampered, or sealed under a key since lost) if it is still
   * the one read, so its version cannot block writes and a callback cannot find it.
   */
  const dropUnreadable = async (record: StoredRecord) => {
    const transaction = (await database()).transaction(SESSIONS, 'readwrite')
    const sessions = transaction.objectStore(SESSIONS)
    const current = await settle<StoredRecord | undefined>(sessions.get(record.key))
    if (current && current.version === record.version) sessions.delete(record.key)
    await committed(transaction)
  }

  const readable = async (record: StoredRecord | undefined): Promise<Session | undefined> => {
    const session = await open(record)
    if (record && !session) await dropUnreadable(record)
    return session
  }

  return {
    survivesReload: true,
    sharedByTabs: true,
    async get(key) {
      return readable(await readRecord(key))
    },
    async set(session, expected): Promise<SetResult> {
      const record = await recordOf(session)
      const transaction = (await database()).transaction(SESSIONS, 'readwrite')
      const sessions = transaction.objectStore(SESSIONS)
      const current = await settle<StoredRecord | undefined>(sessions.get(session.key))
      // Compared and written in one transaction, with nothing awaited in between.
      const written = current?.version === expected
      if (written) sessions.put(record)
      await committed(transaction)
      if (written) return { written: true }
      const found = await open(current)
      if (found) return { written: false, current: found }
      // An unreadable record holds no session: dropped, as get() drops it, and the write tried again.
      await dropUnreadable(current!)
      return this.set(session, expected)
    },
    async delete(key) {
      const transaction = (await database()).transaction(SESSIONS, 'readwrite')
      transaction.objectStore(SESSIONS).delete(key)
      await committed(transaction)
    },
    async list(apiUser: ApiUser) {
      const index = (await database()).transaction(SESSIONS).objectStore(SESSIONS).index('apiUser')
      const records = await settle<StoredRecord[]>(index.getAll([apiUser.kind, apiUser.id]))
      return (await Promise.all(records.map(readable))).filter((s): s is Session => s !== undefined)
    },
    async findByState(state) {
      const index = (await database()).transaction(SESSIONS).objectStore(SESSIONS).index('state')
      return readable(await settle<StoredRecord | undefined>(index.get(state)))
    },
    async take(state) {
      const transaction = (await database()).transaction(SESSIONS, 'readwrite')
      const sessions = transaction.objectStore(SESSIONS)
      const record = await settle<StoredRecord | undefined>(sessions.index('state').get(state))
      let taken: StoredRecord | undefined
      if (record) {
        // Taken out in the transaction that found it: no other tab's take runs in between.
        const { state: _state, pending: _pending, ...rest } = record
        taken = { ...rest, version: (record.version ?? 0) + 1 }
        sessions.put(taken)
      }
      await committed(transaction)
      if (!record || !taken) return undefined
      const [session, pending] = await Promise.all([open(taken), record.pending && unseal(record.pending)])
      if (!session || !pending) return undefined
      return { pending: pending as PendingAuthorization, session }
    },
  }
}
