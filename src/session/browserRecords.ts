import type { Session } from '../model/session.js'
import type { KeyValueStorage } from './browserStore.js'

// The browser store's records: how the places it keeps a session in (memory, pending storage,
// token storage) merge into one session, and its compare-and-set write. Loaded on the first
// write or the first stored record read, not with the page.

/** Where one browser store keeps its sessions. */
export interface BrowserPlaces {
  prefix: string
  pendingStorage: KeyValueStorage | undefined
  tokenStorage: KeyValueStorage | undefined
  persistRefreshTokens: boolean | undefined
  /** The records this page wrote, read and written without awaiting (see createBrowserStore). */
  memory: Map<string, Session>
  /** A stored entry as written, unchecked. */
  raw(storage: KeyValueStorage | undefined, key: string): Partial<Session> | undefined
}

/** The highest of the versions found: the newest record, wherever it is. */
const newest = (...records: (Partial<Session> | undefined)[]): number | undefined => {
  const versions = records.map((r) => r?.version).filter((v): v is number => typeof v === 'number')
  return versions.length ? Math.max(...versions) : undefined
}

/** The version get() would answer now, found without awaiting. */
export const versionOf = (places: BrowserPlaces, key: string) =>
  newest(places.memory.get(key), places.raw(places.tokenStorage, key), places.raw(places.pendingStorage, key))

/**
 * The session from what each place holds. Memory is the newest unless another runtime over the
 * same Web Storage (a tab sharing localStorage) wrote a newer version since: then it is stale
 * (its tokens are the ones that runtime replaced) and Web Storage's record is the session.
 */
export function mergeRecords(
  places: BrowserPlaces,
  key: string,
  pending: Partial<Session> | undefined,
  persisted: Partial<Session> | undefined,
): Session | undefined {
  let base = places.memory.get(key)
  const version = newest(base, persisted, pending)
  if (base && base.version !== version) {
    places.memory.delete(key)
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

/** Writes the session to every place it belongs (a refresh token to Web Storage only if the app opted in). */
export function writeSession(places: BrowserPlaces, session: Session): void {
  const { prefix, pendingStorage, tokenStorage } = places
  places.memory.set(session.key, structuredClone(session))
  const { pending, tokens, ...rest } = session
  if (pending) pendingStorage?.setItem(prefix + session.key, JSON.stringify({ ...rest, pending }))
  else pendingStorage?.removeItem(prefix + session.key)
  if (tokenStorage) {
    const kept = tokens && (places.persistRefreshTokens ? tokens : { ...tokens, refreshToken: undefined })
    tokenStorage.setItem(prefix + session.key, JSON.stringify({ ...rest, tokens: kept }))
  }
}
