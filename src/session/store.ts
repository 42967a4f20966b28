import type { ApiUser, PendingAuthorization, Session } from '../model/session.js'

/** What {@link SessionStore.set} answers: written, or the record that was there instead. */
export type SetResult = { written: true } | { written: false; current: Session | undefined }

/** A pending authorization taken out of the store, and the session it belonged to (without it). */
export interface TakenAuthorization {
  pending: PendingAuthorization
  session: Session
}

/**
 * Where sessions live. Async so that server stores (databases, KV) fit the same interface.
 * Implementations must return copies, not objects the caller can mutate in place.
 *
 * Several runtimes (tabs, server instances) may share one store, so writes are conditional: a
 * session carries a `version`, and the runtime reads, changes and writes it back only if no one
 * wrote in between, else it reads again and retries. A store writes nothing of its own into the
 * record and never merges: it compares one number.
 *
 * Every implementation passes `runStoreContract` (grantflow/testing): test/testing/storeContract.test.ts
 * runs it against each of grantflow's stores, and a third-party store runs it under its own test runner.
 */
export interface SessionStore {
  /** Set by stores whose pending authorizations outlive the page, as a redirect consent needs. */
  readonly survivesReload?: boolean
  /**
   * Set by stores that every tab of the origin reads and writes at once (IndexedDB): a tab that
   * needs a consent another tab is giving already joins it, rather than replacing its pending
   * authorization (whose callback would then be refused).
   */
  readonly sharedByTabs?: boolean
  get(key: string): Promise<Session | undefined>
  /**
   * Compare-and-set: writes `session` (which already carries its new `version`) only if the
   * record stored under its key has the version `expected`. `undefined` expects no record (or
   * one written before versions, which has none). Otherwise writes nothing and answers the
   * record stored now. In SQL: `UPDATE … WHERE key = $1 AND version = $2`, or `INSERT … ON
   * CONFLICT DO NOTHING` when nothing is expected; written when one row changed.
   */
  set(session: Session, expected: number | undefined): Promise<SetResult>
  delete(key: string): Promise<void>
  /** Every session of one API user, across APIs and environments. */
  list(apiUser: ApiUser): Promise<Session[]>
  /** The session whose pending authorization has this `state`, left as it is: how a callback finds its session. */
  findByState(state: string): Promise<Session | undefined>
  /**
   * Takes the pending authorization with this `state` out of its session, atomically: of any
   * number of callers, across every runtime sharing the store, exactly one gets it; the others
   * get undefined. The session stays, without it and with its version increased, so a write
   * prepared from the record before cannot bring it back. This is what makes a code used once.
   * In SQL: `UPDATE … SET pending = NULL, version = version + 1 WHERE state = $1 RETURNING …`
   * (or `DELETE … RETURNING` from a table of its own).
   */
  take(state: string): Promise<TakenAuthorization | undefined>
}

export function sameApiUser(a: ApiUser, b: ApiUser): boolean {
  return a.kind === b.kind && a.id === b.id
}
