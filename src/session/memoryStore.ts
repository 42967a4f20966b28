import type { ApiUser, Session } from '../model/session.js'
import { sameApiUser, type SessionStore } from './store.js'

/**
 * The default store: sessions in this process's memory, gone on reload or restart.
 *
 * @example
 * const store = createMemoryStore()
 */
export function createMemoryStore(): SessionStore {
  const sessions = new Map<string, Session>()
  return {
    async get(key) {
      const session = sessions.get(key)
      return session && structuredClone(session)
    },
    async set(session) {
      sessions.set(session.key, structuredClone(session))
    },
    async delete(key) {
      sessions.delete(key)
    },
    async findByState(state) {
      for (const session of sessions.values()) if (session.pending?.state === state) return structuredClone(session)
      return undefined
    },
    async list(apiUser: ApiUser) {
      return [...sessions.values()].filter((s) => sameApiUser(s.apiUser, apiUser)).map((s) => structuredClone(s))
    },
  }
}
