import type { ApiUser, Session } from '../model/session.js'
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

  /** The highest of the versions found: the newest record, wherever it is. */
  const newest = (...records: (Partial<Session> | undefined)[]): number | undefined => {
    const versions = records.map((r) => r?.version).filter((v): v is number => typeof v === 'number')
    return versions.length ? Math.max(...versions) : undefined
  }

  /** The version get() would answer now, found without awaiting. */
  const versionOf = (key: string) => newest(memory.get(key), raw(tokenStorage, key), raw(pendingStorage, key))

  /**
   * The session from what each place holds. Memory is the newest unless another runtime over the
   * same Web Storage (a tab sharing localStorage) wrote a newer version since: then it is stale
   * (its tokens are the ones that runtime replaced) and Web Storage's record is the session.
   */
  const merge = (key: string, pending: Partial<Session> | undefined, persisted: Partial<Session> | undefined): Session | undefined => {
    let base = memory.get(key)
    const version = newest(base, persisted, pending)
    if (base && base.version !== version) {
      memory.delete(key)
      base = undefined
    }
    if (!base && !pending && !persisted) return undefined
    // Each storage holds the session's identity fields.
    const merged = structuredClone({ ...pending, ...persisted, ...base }) as Session
    // Memory holds the newest tokens (the refresh token too); Web Storage fills in after a reload.
    if (!base?.tokens && persisted?.tokens) merged.tokens = persisted.tokens
    merged.pending = pending?.pending
    merged.errors ??= []
    if (version !== undefined) merged.version = version
    return merged
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
      const [pending, persisted] = await Promise.all([read(pendingStorage, key), read(tokenStorage, key)])
      return merge(key, pending, persisted)
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
      // Loaded on a callback only, as take is.
      return (await import('./browserScan.js')).findByState(state, keysOf(pendingStorage), (key) => read(pendingStorage, key), store.get)
    },
    async take(state) {
      // Loaded on a callback only. From the module's arrival to the removal, nothing is awaited.
      const { takePending } = await import('./browserTake.js')
      return takePending(
        state,
        keysOf(pendingStorage),
        (key) => raw(pendingStorage, key),
        (key) => raw(tokenStorage, key),
        merge,
        write,
      )
    },
    async list(apiUser: ApiUser) {
      return (await import('./browserScan.js')).list(apiUser, [...keysOf(pendingStorage), ...keysOf(tokenStorage), ...memory.keys()], store.get)
    },
  }
  return store
}
