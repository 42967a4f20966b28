import type { ApiUser, Session } from '../model/session.js'
import { sameApiUser, type SessionStore } from './store.js'

/** The part of the Web Storage API the store uses, so tests and other runtimes can supply one. */
export type KeyValueStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem' | 'key' | 'length'>

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
  // The newest records of this page. Read and written without awaiting, so that a compare and
  // its write, or a take, are one step that nothing else in the page runs between.
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
    return parseSessionRecord(value, key)
  }

  /** The version get() would answer now, found without awaiting. */
  const versionOf = (key: string): number | undefined => {
    const version = (memory.get(key) ?? raw(tokenStorage, key) ?? raw(pendingStorage, key))?.version
    return typeof version === 'number' ? version : undefined
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

  const write = (session: Session) => {
    memory.set(session.key, structuredClone(session))
    const { pending, tokens, ...rest } = session
    if (pending) pendingStorage?.setItem(prefix + session.key, JSON.stringify({ ...rest, pending }))
    else pendingStorage?.removeItem(prefix + session.key)
    if (tokenStorage) {
      const kept = tokens && (options.persistRefreshTokens ? tokens : { ...tokens, refreshToken: undefined })
      tokenStorage.setItem(prefix + session.key, JSON.stringify({ ...rest, tokens: kept }))
    }
  }

  const store: SessionStore = {
    survivesReload: !!pendingStorage,
    async get(key) {
      const base = memory.get(key)
      const [pending, persisted] = await Promise.all([read(pendingStorage, key), read(tokenStorage, key)])
      if (!base && !pending && !persisted) return undefined
      // Each storage holds the session's identity fields; memory is the newest.
      const merged = structuredClone({ ...pending, ...persisted, ...base }) as Session
      // Memory holds the newest tokens; Web Storage fills in after a reload.
      if (!base?.tokens && persisted?.tokens) merged.tokens = persisted.tokens
      merged.pending = pending?.pending
      merged.errors ??= []
      return merged
    },
    async set(session, expected) {
      if (versionOf(session.key) !== expected) return { written: false, current: await store.get(session.key) }
      write(session)
      return { written: true }
    },
    async delete(key) {
      memory.delete(key)
      pendingStorage?.removeItem(prefix + key)
      tokenStorage?.removeItem(prefix + key)
    },
    async findByState(state) {
      for (const key of keysOf(pendingStorage)) {
        if ((await read(pendingStorage, key))?.pending?.state === state) return store.get(key)
      }
      return undefined
    },
    async take(state) {
      // Loaded first: from here to the removal, nothing is awaited.
      const { parseSessionRecord } = await import('./sessionRecord.js')
      for (const key of keysOf(pendingStorage)) {
        const stored = raw(pendingStorage, key)
        if (stored?.pending?.state !== state) continue
        const found = parseSessionRecord(stored, key)
        const persisted = parseSessionRecord(raw(tokenStorage, key), key)
        if (!found?.pending) return undefined
        const { pending: _stale, ...rest } = { ...found, ...persisted, ...memory.get(key) }
        if (!memory.get(key)?.tokens && persisted?.tokens) rest.tokens = persisted.tokens
        const session = { ...rest, version: (versionOf(key) ?? 0) + 1 }
        write(session)
        return structuredClone({ pending: found.pending, session })
      }
      return undefined
    },
    async list(apiUser: ApiUser) {
      const keys = new Set([...keysOf(pendingStorage), ...keysOf(tokenStorage), ...memory.keys()])
      const sessions = await Promise.all([...keys].map((key) => store.get(key)))
      return sessions.filter((s): s is Session => !!s && !!s.apiUser && sameApiUser(s.apiUser, apiUser))
    },
  }
  return store
}
