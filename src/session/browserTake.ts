import { mergeRecords, writeSession, type BrowserPlaces } from './browserRecords.js'
import { parseSessionRecord } from './sessionRecord.js'
import type { TakenAuthorization } from './store.js'

/**
 * The browser store's take: finds the pending authorization with this `state` among the
 * entries of its pending storage, and writes its session back without it at the next version,
 * all without awaiting, so no other taker in the page runs in between.
 */
export function takePending(state: string, keys: string[], places: BrowserPlaces): TakenAuthorization | undefined {
  for (const key of keys) {
    const stored = places.raw(places.pendingStorage, key)
    if (stored?.pending?.state !== state) continue
    const found = parseSessionRecord(stored, key)
    if (!found?.pending) return undefined
    const { pending: _taken, ...rest } = mergeRecords(places, key, found, parseSessionRecord(places.raw(places.tokenStorage, key), key))!
    const session = { ...rest, version: (rest.version ?? 0) + 1 }
    writeSession(places, session)
    return structuredClone({ pending: found.pending, session })
  }
  return undefined
}
