import type { ApiUser, Session } from '../model/session.js'

/**
 * Where sessions live. Async so that server stores (databases, KV) fit the same interface.
 * Implementations must return copies, not objects the caller can mutate in place.
 */
export interface SessionStore {
  /** Set by stores whose pending authorizations outlive the page, as a redirect consent needs. */
  readonly survivesReload?: boolean
  get(key: string): Promise<Session | undefined>
  set(session: Session): Promise<void>
  delete(key: string): Promise<void>
  /** Every session of one API user, across APIs and environments. */
  list(apiUser: ApiUser): Promise<Session[]>
  /** The session whose pending authorization has this `state`: how a callback finds its session. */
  findByState(state: string): Promise<Session | undefined>
}

export function sameApiUser(a: ApiUser, b: ApiUser): boolean {
  return a.kind === b.kind && a.id === b.id
}
