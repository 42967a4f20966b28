import type { ApiUser, Session } from '../model/session.js'
import type { BrowserPlaces } from './browserRecords.js'
import type { SessionStore } from './store.js'

/**
 * The part of the Web Storage API grantflow uses, so tests and other runtimes can supply one.
 * Declared here rather than taken from the DOM's `Storage`, so the declarations type-check in a
 * project without the DOM lib (a Node server).
 */
export interface KeyValueStorage {
  readonly length: number
  key(index: number): string | null
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

export interface BrowserStoreOptions {
  /** Where pending authorizations go so they survive the redirect to the provider (default: sessionStorage). */
  pendingStorage?: KeyValueStorage
  /**
   * Where tokens go. By default they stay in memory: a reload asks the provider again (silently
   * where it can). Pass sessionStorage or localStorage to keep them across reloads.
   */
  tokenStorage?: KeyValueStorage
  /**
   * Refresh tokens are long-lived bearer credentials; an XSS flaw can read anything in Web Storage.
   * They are kept out of `tokenStorage` unless this is set.
   */
  persistRefreshTokens?: boolean
  /** Key prefix, to keep apps on one origin apart. */
  prefix?: string
}

/**
 * A store for single-page apps: pending authorizations in sessionStorage (they must survive the
 * redirect), tokens in memory unless the app chooses a storage, refresh tokens never in Web
 * Storage unless the app opts in.
 *
 * @example
 * const store = createBrowserStore({ tokenStorage: sessionStorage })
 */
export function createBrowserStore(options: BrowserStoreOptions = {}): SessionStore {
  const prefix = options.prefix ?? 'grantflow:'
  const pendingStorage = options.pendingStorage ?? globalThis.sessionStorage
  const tokenStorage = options.tokenStorage
  // The records this page wrote. Read and written without awaiting, so that a compare and its
  // write, or a take, are one step that nothing else in the page runs between.
  const memory = new Map<string, Session>()

  /** A stored entry as written, unchecked (only its `version` and `pending.state` are read from it). */
  const raw = (storage: KeyValueStorage | undefined, key: string): Partial<Session> | undefined => {
    const text = storage?.getItem(prefix + key)
    if (!text) return undefined
    try {
      const value = JSON.parse(text) as Partial<Session> | null
      if (value?.key === key) return value
    } catch {
      // A corrupt entry (edited by hand, truncated) is dropped rather than crashing the app.
      storage?.removeItem(prefix + key)
    }
    return undefined
  }

  const read = async (storage: KeyValueStorage | undefined, key: string): Promise<Partial<Session> | undefined> => {
    const value = raw(storage, key)
    if (!value) return undefined
    // The validator loads only when there is a stored record to read (after a reload, a redirect).
    const { parseSessionRecord } = await import('./sessionRecord.js')
    const session = parseSessionRecord(value, key)
    // Not a session (planted, or another app's): dropped, so its version cannot block writes.
    if (!session) storage?.removeItem(prefix + key)
    return session
  }

  const keysOf = (storage: KeyValueStorage | undefined): string[] => {
    if (!storage) return []
    const keys: string[] = []
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i)
      if (key?.startsWith(prefix)) keys.push(key.slice(prefix.length))
    }
    return keys
  }

  const places: BrowserPlaces = { prefix, pendingStorage, tokenStorage, persistRefreshTokens: options.persistRefreshTokens, memory, raw }
  let recordsModule: Promise<typeof import('./browserRecords.js')> | undefined
  const records = () => (recordsModule ??= import('./browserRecords.js'))

  const store: SessionStore = {
    survivesReload: !!pendingStorage,
    async get(key) {
      const [pending, persisted] = await Promise.all([read(pendingStorage, key), read(tokenStorage, key)])
      // Nothing written nor stored: no records to merge, so the merging code need not load.
      if (!pending && !persisted && !memory.has(key)) return undefined
      return (await records()).mergeRecords(places, key, pending, persisted)
    },
    async set(session, expected) {
      // Loaded on the first write. From its arrival, the compare and the write are one step.
      const { versionOf, writeSession } = await records()
      if (versionOf(places, session.key) !== expected) return { written: false, current: await store.get(session.key) }
      writeSession(places, session)
      return { written: true }
    },
    async delete(key) {
      memory.delete(key)
      pendingStorage?.removeItem(prefix + key)
      tokenStorage?.removeItem(prefix + key)
    },
    async findByState(state) {
      // Loaded on a callback only, as take is.
      return (await import('./browserScan.js')).findByState(state, keysOf(pendingStorage), (key) => read(pendingStorage, key), store.get)
    },
    async take(state) {
      // Loaded on a callback only. From the module's arrival to the removal, nothing is awaited.
      const { takePending } = await import('./browserTake.js')
      return takePending(state, keysOf(pendingStorage), places)
    },
    async list(apiUser: ApiUser) {
      return (await import('./browserScan.js')).list(apiUser, [...keysOf(pendingStorage), ...keysOf(tokenStorage), ...memory.keys()], store.get)
    },
  }
  return store
}
