import type { ApiUser, Session } from '../model/session.js'
import { createMemoryStore } from './memoryStore.js'
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
  const memory = createMemoryStore()

  const read = async (storage: KeyValueStorage | undefined, key: string): Promise<Partial<Session> | undefined> => {
    const raw = storage?.getItem(prefix + key)
    if (!raw) return undefined
    // The validator loads only when there is a stored record to read (after a reload, a redirect).
    const { parseSessionRecord } = await import('./sessionRecord.js')
    try {
      return parseSessionRecord(JSON.parse(raw), key)
    } catch {
      // A corrupt entry (edited by hand, truncated) is dropped rather than crashing the app.
      storage?.removeItem(prefix + key)
      return undefined
    }
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

  const store: SessionStore = {
    survivesReload: !!pendingStorage,
    async get(key) {
      const base = await memory.get(key)
      const [pending, persisted] = await Promise.all([read(pendingStorage, key), read(tokenStorage, key)])
      if (!base && !pending && !persisted) return undefined
      // Each storage holds the session's identity fields; memory is the newest.
      const merged = { ...pending, ...persisted, ...base } as Session
      // Memory holds the newest tokens; Web Storage fills in after a reload.
      if (!base?.tokens && persisted?.tokens) merged.tokens = persisted.tokens
      merged.pending = pending?.pending
      merged.errors ??= []
      return merged
    },
    async set(session) {
      await memory.set(session)
      const { pending, tokens, ...rest } = session
      if (pending) pendingStorage?.setItem(prefix + session.key, JSON.stringify({ ...rest, pending }))
      else pendingStorage?.removeItem(prefix + session.key)
      if (tokenStorage) {
        const kept = tokens && (options.persistRefreshTokens ? tokens : { ...tokens, refreshToken: undefined })
        tokenStorage.setItem(prefix + session.key, JSON.stringify({ ...rest, tokens: kept }))
      }
    },
    async delete(key) {
      await memory.delete(key)
      pendingStorage?.removeItem(prefix + key)
      tokenStorage?.removeItem(prefix + key)
    },
    async findByState(state) {
      for (const key of keysOf(pendingStorage)) {
        if ((await read(pendingStorage, key))?.pending?.state === state) return store.get(key)
      }
      return undefined
    },
    async list(apiUser: ApiUser) {
      const keys = new Set([...keysOf(pendingStorage), ...keysOf(tokenStorage)])
      for (const s of await memory.list(apiUser)) keys.add(s.key)
      const sessions = await Promise.all([...keys].map((key) => store.get(key)))
      return sessions.filter((s): s is Session => !!s && !!s.apiUser && sameApiUser(s.apiUser, apiUser))
    },
  }
  return store
}
