import type { ApiUser, Session } from '../model/session.js'
import { sameApiUser, type SessionStore } from './store.js'

/**
 * The default store: sessions in this process's memory, gone on reload or restart. Its
 * compare-and-set and take run without awaiting in between, so they are atomic in one process.
 *
 * @example
 * const store = createMemoryStore()
 */
export function createMemoryStore(): SessionStore {
  const sessions = new Map<string, Session>()
  const copy = (session: Session | undefined) => session && structuredClone(session)
  return {
    async get(key) {
      return copy(sessions.get(key))
    },
    async set(session, expected) {
      const current = sessions.get(session.key)
      if (current?.version !== expected) return { written: false, current: copy(current) }
      sessions.set(session.key, structuredClone(session))
      return { written: true }
    },
    async delete(key) {
      sessions.delete(key)
    },
    async findByState(state) {
      for (const session of sessions.values()) if (session.pending?.state === state) return copy(session)
      return undefined
    },
    async take(state) {
      for (const [key, { pending, ...rest }] of sessions) {
        if (pending?.state !== state) continue
        const session = { ...rest, version: (rest.version ?? 0) + 1 }
        sessions.set(key, session)
        return structuredClone({ pending, session })
      }
      return undefined
    },
    async list(apiUser: ApiUser) {
      return [...sessions.values()].filter((s) => sameApiUser(s.apiUser, apiUser)).map((s) => structuredClone(s))
    },
  }
}
