import type { Session } from '../model/session.js'
import { parseSessionRecord } from './sessionRecord.js'
import type { TakenAuthorization } from './store.js'

type Record = (key: string) => Partial<Session> | undefined

/**
 * The browser store's take: finds the pending authorization with this `state` among the
 * entries of its pending storage, and writes its session back without it at the next version,
 * all without awaiting, so no other taker in the page runs in between.
 */
export function takePending(
  state: string,
  keys: string[],
  pendingRecord: Record,
  tokenRecord: Record,
  merge: (key: string, pending: Session, persisted: Session | undefined) => Session | undefined,
  write: (session: Session) => void,
): TakenAuthorization | undefined {
  for (const key of keys) {
    const stored = pendingRecord(key)
    if (stored?.pending?.state !== state) continue
    const found = parseSessionRecord(stored, key)
    if (!found?.pending) return undefined
    const { pending: _taken, ...rest } = merge(key, found, parseSessionRecord(tokenRecord(key), key))!
    const session = { ...rest, version: (rest.version ?? 0) + 1 }
    write(session)
    return structuredClone({ pending: found.pending, session })
  }
  return undefined
}
