import { APPLICATION_USER, type Session } from '../../model/session.js'
import type { SessionStore } from '../../session/store.js'
import { check, checkEqual, checkMatch } from './assertions.js'
import {
  acme,
  acmePerson,
  afterTake,
  applicationSession,
  connectedSession,
  other,
  pendingAuthorization,
  SECRET_MARKER,
  waitingSession,
} from './storeFixtures.js'
import { clause, type ContractTestApi } from './testApi.js'

/** A store opened for one test of the contract. */
export interface OpenedStore<S extends SessionStore = SessionStore> {
  store: S
  /**
   * A second store over the same data, as another runtime sharing it holds one (another pool,
   * another tab over the same database). Without one, the store stands in for both.
   */
  twin?: S
  /**
   * Everything the store holds, as someone reading its database past it would see it (rows,
   * records, files). Needed by `seals`; binary values may be left as they are (they are read as UTF-8).
   */
  readRaw?(): Promise<unknown>
}

/** The store under the contract, and what it says it does beyond it. */
export interface StoreContractSubject<S extends SessionStore = SessionStore> {
  /** Named in the suite's title (default `session store`). */
  name?: string
  /** A fresh, empty store for one test (a new table, database or key prefix), or an {@link OpenedStore}. */
  create(): Promise<S | OpenedStore<S>> | S | OpenedStore<S>
  /** Called after each test, pass or fail, with what `create` opened: end its pool, drop its table. */
  cleanup?(opened: OpenedStore<S>): Promise<void> | void
  /** The store seals secrets at rest: then no token, verifier, nonce or binding is readable in `readRaw()`'s dump. */
  seals?: boolean
}

/**
 * The contract every session store keeps, as grantflow's runtime relies on it: get, compare-and-set,
 * delete and list; keys kept apart per API, environment and API user; a pending authorization found
 * by its `state` and taken once, atomically, across every runtime sharing the store; its
 * `createdAt` kept, so the runtime expires it; copies, never shared objects; and, where the store
 * seals, no secret in clear. grantflow runs it against each of its own stores.
 *
 * @example
 * import { describe, it } from 'vitest'
 * import { runStoreContract } from 'grantflow/testing'
 *
 * runStoreContract({ describe, it }, {
 *   name: 'my DynamoDB store',
 *   create: async () => ({ store: createMyStore({ table: await freshTable() }), twin: createMyStore({ table: lastTable() }) }),
 *   cleanup: ({ store }) => store.close(),
 * })
 */
export function runStoreContract<S extends SessionStore>(test: ContractTestApi, subject: StoreContractSubject<S>): void {
  const open = async (): Promise<OpenedStore<S>> => {
    const opened = await subject.create()
    return isStore(opened) ? { store: opened } : opened
  }
  const it = (name: string, body: (stores: { store: SessionStore; twin: SessionStore; opened: OpenedStore }) => Promise<void>) =>
    clause(test, name, open, subject.cleanup, (opened) => body({ store: opened.store, twin: opened.twin ?? opened.store, opened }))

  test.describe(`session store contract: ${subject.name ?? 'session store'}`, () => {
    it('answers undefined for a key it never stored, and the session it stored, version and all', async ({ store, twin }) => {
      const written = connectedSession()
      checkEqual(await store.get(written.key), undefined, 'get of a key never stored')
      checkEqual(await store.set(written, undefined), { written: true }, 'set of a new session')
      checkEqual(await store.get(written.key), written, 'get after set')
      checkEqual(await twin.get(written.key), written, "get after set, by another runtime's store")
    })

    it('writes only over the version expected, and answers the current record otherwise', async ({ store, twin }) => {
      const first = connectedSession()
      await store.set(first, undefined)
      const errored = { ...first, errors: [{ at: 1, step: 'call' as const, code: 'x' }] }
      checkEqual(await store.set(errored, undefined), { written: false, current: first }, 'set expecting no record where there is one')
      // Another runtime wrote version 2 meanwhile: a write prepared from version 1 is refused.
      const rotated = { ...first, tokens: { ...first.tokens!, accessToken: 'at-rotated', refreshToken: 'rt-rotated' }, version: 2 }
      checkEqual(await twin.set(rotated, 1), { written: true }, 'set expecting the version stored')
      const stale = { ...first, errors: [{ at: 2, step: 'refresh' as const, code: 'token_endpoint_error' }], version: 2 }
      checkEqual(await store.set(stale, 1), { written: false, current: rotated }, 'set prepared from an older version')
      checkEqual(await store.get(first.key), rotated, 'get after a refused set')
      checkEqual(await store.set({ ...rotated, errors: stale.errors, version: 3 }, 2), { written: true }, 'set expecting the version now stored')
      checkMatch(await twin.get(first.key), { version: 3, errors: stale.errors, tokens: { accessToken: 'at-rotated' } }, 'get after the third write')
    })

    it('lets exactly one of two writers expecting the same version win', async ({ store, twin }) => {
      const key = connectedSession().key
      await store.set(connectedSession(), undefined)
      // Both read version 1 before either writes (a store over a network answers them in any order).
      const [mine, theirs] = await Promise.all([store.get(key), twin.get(key)])
      const results = await Promise.all([
        store.set({ ...mine!, errors: [{ at: 1, step: 'call', code: 'first' }], version: 2 }, mine!.version),
        twin.set({ ...theirs!, errors: [{ at: 1, step: 'call', code: 'second' }], version: 2 }, theirs!.version),
      ])
      checkEqual(results.filter((result) => result.written).length, 1, 'writers that won')
      const winner = results[0]!.written ? 'first' : 'second'
      checkMatch(await store.get(key), { version: 2, errors: [{ code: winner }] }, 'the session after the race')
    })

    it('forgets a deleted session, and takes a new one under its key', async ({ store, twin }) => {
      const written = waitingSession('s-deleted')
      await store.set(written, undefined)
      await store.delete(written.key)
      checkEqual(await twin.get(written.key), undefined, 'get after delete')
      checkEqual(await twin.findByState('s-deleted'), undefined, "findByState of a deleted session's state")
      checkEqual(await twin.take('s-deleted'), undefined, "a take of a deleted session's state")
      checkEqual(await store.list(acme), [], 'list after delete')
      checkEqual(await store.set(connectedSession(), undefined), { written: true }, 'set of a new session under a deleted key')
    })

    it("lists one API user's sessions across APIs and environments, and no one else's", async ({ store, twin }) => {
      const mine = [connectedSession(acme, 'vat'), connectedSession(acme, 'paye'), connectedSession(acme, 'vat', 'production')]
      for (const session of [...mine, connectedSession(other), connectedSession(acmePerson)]) await store.set(session, undefined)
      checkEqual(sortByKey(await twin.list(acme)), sortByKey(mine), "list of the company's sessions")
      checkEqual(await store.list(acmePerson), [connectedSession(acmePerson)], 'list of a person whose id is the company’s')
      checkEqual(await store.list({ kind: 'user', id: 'nobody' }), [], 'list of an API user with no session')
    })

    it('keeps sessions apart per API, environment and API user: each read, written, deleted and taken alone', async ({ store, twin }) => {
      const neighbours = [
        waitingSession('s-vat', acme, 'vat'),
        waitingSession('s-paye', acme, 'paye'),
        waitingSession('s-production', acme, 'vat', 'production'),
        waitingSession('s-person', acmePerson, 'vat'),
        waitingSession('s-other', other, 'vat'),
      ]
      check(new Set(neighbours.map((s) => s.key)).size === neighbours.length, 'the neighbours have distinct keys')
      for (const session of neighbours) checkEqual(await store.set(session, undefined), { written: true }, `set of ${session.key}`)
      for (const session of neighbours) checkEqual(await twin.get(session.key), session, `get of ${session.key} among its neighbours`)
      const [vat, paye, production, person, stranger] = neighbours as [Session, Session, Session, Session, Session]
      checkEqual(await store.set({ ...vat, updatedAt: 2_000, version: 2 }, 1), { written: true }, 'set of one neighbour')
      checkEqual((await store.take('s-paye'))?.session.key, paye.key, 'the session a take of one neighbour’s state gives')
      await store.delete(production.key)
      checkEqual(await twin.get(person.key), person, 'a neighbour after the others were written, taken and deleted')
      checkEqual(await twin.get(stranger.key), stranger, 'another company’s session after the others were written, taken and deleted')
      checkEqual(await twin.findByState('s-person'), person, 'a neighbour found by its state')
      checkMatch(await twin.get(vat.key), { updatedAt: 2_000, version: 2, pending: { state: 's-vat' } }, 'the neighbour written')
    })

    it("keeps the application's sessions apart per scope set: a client credentials token per set", async ({ store, twin }) => {
      const [read, write] = [applicationSession(['read:vat']), applicationSession(['read:vat', 'write:vat'])]
      check(read.key !== write.key, 'the scope sets have distinct keys')
      for (const session of [read, write]) checkEqual(await store.set(session, undefined), { written: true }, `set of ${session.key}`)
      checkEqual(await twin.get(read.key), read, 'the session of one scope set')
      checkEqual(await twin.get(write.key), write, 'the session of the other scope set')
      checkEqual(sortByKey(await twin.list(APPLICATION_USER)), sortByKey([read, write]), "list of the application's sessions")
      await store.delete(read.key)
      checkEqual(await twin.get(write.key), write, 'the other scope set after one was deleted')
    })

    it('finds a session by its pending state without taking it', async ({ store, twin }) => {
      const waiting = waitingSession('s-1')
      await store.set(waiting, undefined)
      await store.set(waitingSession('s-2', other), undefined)
      checkEqual(await twin.findByState('s-1'), waiting, 'findByState by another runtime')
      checkEqual(await store.findByState('s-1'), waiting, 'findByState again: nothing was taken')
      checkEqual(await store.findByState('s-unknown'), undefined, 'findByState of a state never stored')
    })

    it('takes a pending authorization once: the session stays, without it, at a new version', async ({ store, twin }) => {
      const waiting = waitingSession('s-1')
      await store.set(waiting, undefined)
      checkEqual(await store.take('s-1'), { pending: pendingAuthorization('s-1'), session: afterTake(waiting) }, 'the first take')
      checkEqual(await store.get(waiting.key), afterTake(waiting), 'the session after the take')
      checkEqual(await store.take('s-1'), undefined, 'a second take')
      checkEqual(await twin.take('s-1'), undefined, "a second take, by another runtime's store")
      checkEqual(await twin.findByState('s-1'), undefined, 'findByState after the take')
    })

    it('refuses a write prepared before the take, so the authorization cannot come back', async ({ store, twin }) => {
      const waiting = waitingSession('s-1')
      await store.set(waiting, undefined)
      await twin.take('s-1')
      const late = { ...waiting, errors: [{ at: 2, step: 'call' as const, code: 'late' }], version: 2 }
      checkMatch(await store.set(late, 1), { written: false, current: { version: 2 } }, 'a write prepared from the version before the take')
      checkEqual(await store.findByState('s-1'), undefined, 'findByState after the refused write')
      checkEqual(await store.take('s-1'), undefined, 'a take after the refused write')
    })

    it('gives a pending authorization to exactly one of many concurrent takers, across runtimes', async ({ store, twin }) => {
      await store.set(waitingSession('s-1'), undefined)
      await store.set(waitingSession('s-2', other), undefined)
      const takers = await Promise.all([store, twin, store, twin, store, twin, store, twin].map((s) => s.take('s-1')))
      const winners = takers.filter((taken) => taken !== undefined)
      checkEqual(winners.length, 1, 'concurrent takers given the authorization')
      checkEqual(winners[0]!.pending, pendingAuthorization('s-1'), 'what the winner took')
      checkEqual((await store.findByState('s-2'))?.pending, pendingAuthorization('s-2'), "the other session's authorization, untouched")
    })

    it('answers undefined to a take of a state it never stored, and leaves the pending authorizations it has', async ({ store }) => {
      await store.set(waitingSession('s-1'), undefined)
      checkEqual(await store.take('forged'), undefined, 'a take of a forged state')
      checkEqual(await store.take(''), undefined, 'a take of an empty state')
      checkEqual((await store.get(connectedSession().key))?.pending, pendingAuthorization('s-1'), 'the pending authorization after forged takes')
    })

    it('keeps a pending authorization’s createdAt, so the runtime can expire it, and takes an expired one to forget it', async ({ store, twin }) => {
      // Created at the epoch's start: expired by any clock the runtime reads. The store judges nothing.
      const expired = { ...connectedSession(), pending: pendingAuthorization('s-expired', 0) }
      await store.set(expired, undefined)
      checkEqual((await twin.findByState('s-expired'))?.pending?.createdAt, 0, 'createdAt as written')
      checkEqual(await twin.take('s-expired'), { pending: expired.pending, session: afterTake(expired) }, 'a take of an expired authorization')
      checkEqual(await store.findByState('s-expired'), undefined, 'findByState of a forgotten authorization')
    })

    it('finds and takes a pending authorization replaced by a newer one by its new state only', async ({ store, twin }) => {
      const first = waitingSession('s-old')
      await store.set(first, undefined)
      const replaced = { ...first, pending: pendingAuthorization('s-new', 5_000), version: 2 }
      checkEqual(await store.set(replaced, 1), { written: true }, 'set of the newer authorization')
      checkEqual(await twin.findByState('s-old'), undefined, 'findByState of the replaced state')
      checkEqual(await twin.take('s-old'), undefined, 'a take of the replaced state')
      checkEqual(await twin.take('s-new'), { pending: replaced.pending, session: afterTake(replaced) }, 'a take of the newer state')
      // Cleared by a plain write (the user cancelled): gone too.
      const again = { ...afterTake(replaced), pending: pendingAuthorization('s-cancelled'), version: 4 }
      await store.set(again, 3)
      const { pending: _cancelled, ...cleared } = { ...again, version: 5 }
      checkEqual(await store.set(cleared, 4), { written: true }, 'set without the pending authorization')
      checkEqual(await twin.take('s-cancelled'), undefined, 'a take of a cleared state')
    })

    it('keeps copies: changing what was written, read, listed, found or taken changes nothing stored', async ({ store }) => {
      const written = waitingSession('s-1')
      await store.set(written, undefined)
      written.tokens!.accessToken = 'changed after set'
      written.pending!.codeVerifier = 'changed after set'
      const read = (await store.get(written.key))!
      read.tokens!.accessToken = 'changed after get'
      read.errors.push({ at: 1, step: 'call', code: 'changed' })
      ;(await store.list(acme))[0]!.tokens!.accessToken = 'changed after list'
      ;(await store.findByState('s-1'))!.tokens!.accessToken = 'changed after find'
      checkEqual(await store.get(written.key), waitingSession('s-1'), 'the session after its copies were changed')
      const taken = (await store.take('s-1'))!
      taken.session.tokens!.accessToken = 'changed after take'
      taken.pending.scopes.push('changed after take')
      checkEqual(await store.get(written.key), afterTake(waitingSession('s-1')), 'the session after the taken copy was changed')
    })

    if (subject.seals)
      it('keeps no token, verifier, nonce, binding or pending call readable in what it stores', async ({ store, opened }) => {
        check(opened.readRaw, 'a store that seals gives readRaw(), to read what it stores past it')
        const waiting = waitingSession('s-sealed')
        await store.set(waiting, undefined)
        const raw = rawText(await opened.readRaw())
        // The dump is of this store's data: the session's key is there, in clear or encoded.
        check(raw.includes(waiting.key) || raw.includes(encodeURIComponent(waiting.key)), "readRaw() holds the session's record")
        check(!raw.includes(SECRET_MARKER), `no secret in what the store holds: found one in ${raw.length} characters`)
        check(!raw.includes('netVatDue'), 'no pending call body in what the store holds')
        checkEqual(await store.get(waiting.key), waiting, 'the sealed session, read back')
      })
  })
}

function isStore<S extends SessionStore>(value: S | OpenedStore<S>): value is S {
  return typeof (value as S).get === 'function'
}

function sortByKey(sessions: Session[]): Session[] {
  return [...sessions].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

/** A raw dump as text: byte values (a sealed blob) read as UTF-8, so a secret kept in clear inside one shows. */
function rawText(dump: unknown): string {
  const decoder = new TextDecoder()
  return JSON.stringify(dump, function (this: Record<string, unknown>, key, value: unknown) {
    // The value before its toJSON (a Node Buffer's would be a list of numbers).
    const original = this[key]
    if (original instanceof ArrayBuffer) return decoder.decode(original)
    if (ArrayBuffer.isView(original)) return decoder.decode(original)
    return value
  })
}
