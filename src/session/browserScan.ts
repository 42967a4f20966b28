import type { ApiUser, Session } from '../model/session.js'
import { sameApiUser } from './store.js'

// The browser store's scans over every stored entry: a callback's lookup by state and the list of
// an API user's sessions, loaded when first needed rather than with the page.

type Get = (key: string) => Promise<Session | undefined>

/** The session whose pending authorization has this `state`, among the pending storage's entries. */
export async function findByState(state: string, keys: string[], readPending: (key: string) => Promise<Partial<Session> | undefined>, get: Get) {
  for (const key of keys) {
    if ((await readPending(key))?.pending?.state === state) return get(key)
  }
  return undefined
}

/** Every session of one API user, wherever its entries are (memory, pending or token storage). */
export async function list(apiUser: ApiUser, keys: string[], get: Get): Promise<Session[]> {
  const sessions = await Promise.all([...new Set(keys)].map((key) => get(key)))
  return sessions.filter((s): s is Session => !!s && !!s.apiUser && sameApiUser(s.apiUser, apiUser))
}
