import type { ActorOptions, ActorRefFrom, AnyActorLogic, SnapshotFrom } from 'xstate'
import type { tokenSessionMachine } from '../../machines/tokenSession.js'
import { CancelledError } from '../errors.js'
import { isPendingExpired, type Session } from '../model/session.js'
import { isTokenFresh } from '../model/tokens.js'
import type { OAuthContext } from '../oauth/context.js'
import type { HttpDoors } from '../oauth/doors.js'
import type { SessionStore } from '../session/store.js'
import type { RefreshMode } from './attempt.js'
import type { SessionLock } from './lock.js'
import type { SessionIo } from './sessionIo.js'
import type { TokenSessionActors } from './types.js'
import type { LiveSessions } from './liveSession.js'
import type { SessionTarget } from './targets.js'
import type { SyncPlugin } from '../sync/plugin.js'

export type TokenSessionActor = ActorRefFrom<typeof tokenSessionMachine>
export type TokenSessionSnapshot = SnapshotFrom<typeof tokenSessionMachine>

/** Whether a token session has an answer for its waiters (its states tagged `settled`). */
export function isSettled(snapshot: TokenSessionSnapshot): boolean {
  return snapshot.hasTag('settled')
}

const settling = new WeakMap<TokenSessionActor, Promise<TokenSessionSnapshot>>()

/**
 * Waits for the session's one outcome: every waiter is released by the same snapshot. Waiters
 * share one subscription, so a thousand calls waiting on a refresh cost one check per step of
 * the session, not a thousand.
 */
export function settled(actor: TokenSessionActor): Promise<TokenSessionSnapshot> {
  const current = actor.getSnapshot()
  if (isSettled(current)) return Promise.resolve(current)
  let waiting = settling.get(actor)
  if (!waiting) {
    waiting = new Promise<TokenSessionSnapshot>((resolve, reject) => {
      const done = (finish: () => void) => {
        // Forgotten at once, so a caller after this step looks at the session anew.
        settling.delete(actor)
        subscription.unsubscribe()
        finish()
      }
      const subscription = actor.subscribe({
        next: (snapshot) => isSettled(snapshot) && done(() => resolve(snapshot)),
        error: (error) => done(() => reject(error)),
        // Stopped (the runtime disposed, the session let go): a typed end, as every failure is.
        complete: () => done(() => reject(new CancelledError('the token session stopped'))),
      })
    })
    settling.set(actor, waiting)
  }
  return waiting
}

/** How many observe a live session (views, wizards in flight): one observed is never let go. */
const observers = new WeakMap<TokenSessionActor, number>()

/**
 * Counts an observer of a live session (a view following it, a wizard in flight) until the
 * returned release is called: while one is counted, the session stays live whatever the bound.
 */
export function observeSession(actor: TokenSessionActor): () => void {
  observers.set(actor, (observers.get(actor) ?? 0) + 1)
  let released = false
  return () => {
    if (released) return
    released = true
    const left = (observers.get(actor) ?? 1) - 1
    if (left > 0) observers.set(actor, left)
    else observers.delete(actor)
  }
}

export interface TokenSessionDeps {
  store: SessionStore
  /** The lock behind single-flight refresh; without one, a lock within this process (made with the actors' bodies). */
  lock?: SessionLock | undefined
  doors: HttpDoors
  oauthContext(target: SessionTarget): Promise<OAuthContext>
  /**
   * Called after tokens change (refresh, exchange, client credentials): requests-oauthlib's token
   * saver. Awaited in `notify` mode, before the call goes on; called and left to run otherwise.
   */
  onTokensUpdated?: ((session: Session) => unknown) | undefined
  /** Told after new tokens are saved (see GrantflowOptions.sync). */
  sync?: readonly SyncPlugin[] | undefined
  /** `notify`: the app persists new tokens before they are used (see onTokensUpdated). */
  refresh?: RefreshMode | undefined
  inspect?: ActorOptions<AnyActorLogic>['inspect']
  /** How long a pending authorization waits for its callback; one found older when loading is dropped. */
  pendingTtlMs: number
  /** How many sessions stay live in memory (default {@link MAX_LIVE_SESSIONS}); the least recently used idle ones are let go. */
  maxLiveSessions?: number | undefined
  /** Decorates a session's actors (see GrantflowOptions.actors). */
  decorate?: ((actors: TokenSessionActors, target: SessionTarget) => object) | undefined
}

/** How many token sessions a runtime keeps live by default. */
export const MAX_LIVE_SESSIONS = 500

/**
 * The token sessions of one runtime: one actor per session key, each wired to the store, the lock
 * and the protocol layer, started when a session first needs more than its stored token.
 *
 * A call whose stored token is fresh needs no actor: it reads the record once (kept afterwards
 * among the runtime's stored records, so the next call reads memory) and sends. The actors, and
 * xstate with them, load when a session must renew, consent, exchange a callback, handle a
 * refusal or be followed by a view; from then on the live actor is the session's one authority.
 *
 * A server calls for many users over its life: only the most recently used sessions stay live,
 * and as many stored records are kept (their tokens are in the store, where the next call finds
 * them), so memory is bounded however many users were ever called. A session is let go only
 * while resting: never mid-refresh, nor while a consent is under way (a wizard watches it). No
 * timer is kept per session.
 */
export function createTokenSessions(deps: TokenSessionDeps) {
  // In order of use, the least recent first.
  const actors = new Map<string, { actor: TokenSessionActor; target: SessionTarget }>()
  // Stored records whose token a call used without an actor, in order of use; never one of a live session.
  const records = new Map<string, Session>()
  const maxLive = deps.maxLiveSessions ?? MAX_LIVE_SESSIONS
  const { store, doors } = deps

  /**
   * Lets go of the least recently used idle sessions beyond the bound, looking at a few at most
   * (a sweep when a session is started, no timer). Idle: unobserved, and resting or waiting for a
   * consent past its lifetime (its user walked away: a callback for it is refused, and one found
   * in the store is dropped). A busy or observed one goes to the back of the line, so sessions
   * that stay busy never keep the idle ones behind them live.
   */
  const letGoIdle = () => {
    let looked = 0
    for (const [key, entry] of actors) {
      if (actors.size <= maxLive || looked++ >= 8) return
      const snapshot = entry.actor.getSnapshot()
      const pending = snapshot.context.pending
      const abandoned = snapshot.matches('authorizing') && pending !== undefined && isPendingExpired(pending, doors.now(), deps.pendingTtlMs)
      actors.delete(key)
      // Not stopped when let go: a call still holding it finishes as usual; the lock and the
      // store keep two actors of one key from refreshing twice (see refreshTokens).
      if (observers.has(entry.actor) || (!abandoned && !snapshot.hasTag('resting'))) actors.set(key, entry)
    }
  }

  // The actors' bodies beyond the store read, loaded on a session's first renewal, consent,
  // exchange, revocation or recorded failure: a call with a valid token needs none of them.
  let io: Promise<SessionIo> | undefined
  const loadIo = () => (io ??= import('./sessionIo.js').then((m) => m.createSessionIo(deps)))
  // The actors themselves (and xstate), loaded when a session first needs one.
  let live: LiveSessions | undefined
  let liveLoading: Promise<LiveSessions> | undefined
  const load = () => (liveLoading ??= import('./liveSession.js').then((m) => (live = m.createLiveSessions(deps, loadIo))))

  /** The session actor for a target, started on first use (the actors must be loaded: see `load`). */
  const forTarget = (target: SessionTarget): TokenSessionActor => {
    let entry = actors.get(target.key)
    if (entry) {
      // Most recently used last.
      actors.delete(target.key)
      actors.set(target.key, entry)
      return entry.actor
    }
    if (!live) throw new Error('grantflow: a token session was needed before its actors were loaded (await sessions.start)')
    // From now on the actor is the session's authority: it reads the store itself.
    records.delete(target.key)
    entry = { actor: live.start(target), target }
    actors.set(target.key, entry)
    letGoIdle()
    return entry.actor
  }

  return {
    /** The store the sessions are read from and written to. */
    store,
    /** Loads the token-session actors (xstate with them); resolves once `for` can start one. */
    load,
    /** The session actor for a target, started on first use; the actors must be loaded (see `start`). */
    for: forTarget,
    /** The session actor for a target, its actors loaded first if need be. */
    async start(target: SessionTarget): Promise<TokenSessionActor> {
      if (!live && !actors.has(target.key)) await load()
      return forTarget(target)
    },
    /**
     * The token a call can send without a live session: the stored record's, when it is fresh
     * and no consent is pending on the session (as a session loaded from it would be `valid`).
     * `undefined` when the session is live (ask it), or when the record cannot serve: the call
     * then starts the session, which decides. A failing store read is the session's to report.
     */
    async storedToken(target: SessionTarget): Promise<Session['tokens']> {
      if (actors.has(target.key)) return undefined
      const kept = records.get(target.key)
      const record = kept ?? (await store.get(target.key).catch(() => undefined))
      // A session started meanwhile is the authority now.
      if (!record || actors.has(target.key)) return undefined
      const tokens = record.pending ? undefined : record.tokens
      if (!tokens || !isTokenFresh(tokens, doors.now())) {
        records.delete(target.key)
        return undefined
      }
      if (!kept) {
        // Kept in the order read, the oldest let go first: a call that finds its record moves
        // nothing (no map churn on the path every call takes); one let go is read again.
        records.set(target.key, record)
        if (records.size > maxLive) records.delete(records.keys().next().value!)
      }
      return tokens
    },
    /** Forgets the stored record kept for a key: another tab or instance changed it. */
    forgetStored(key: string) {
      records.delete(key)
    },
    byKey(key: string) {
      return actors.get(key)
    },
    /**
     * Forgets a pending authorization the user abandoned (closed the popup), in the store too:
     * a callback for it that comes late is refused, and a reload does not wait for it.
     */
    forgetPending(key: string, state: string) {
      const entry = actors.get(key)
      return (
        entry &&
        loadIo()
          .then((io) => io.save(entry.target, (s) => (s.pending?.state === state ? { ...s, pending: undefined } : s)))
          .catch(() => undefined)
      )
    },
    /** Records a failed API call on its session. */
    recordCallError(target: SessionTarget, error: unknown) {
      return loadIo()
        .then((io) => io.recordError(target, 'call', error))
        .catch(() => undefined)
    },
    /** Live sessions, for the inspector and the sessions view. */
    entries() {
      return [...actors.values()]
    },
    stopAll() {
      for (const { actor } of actors.values()) actor.stop()
      actors.clear()
      records.clear()
    },
  }
}

export type TokenSessions = ReturnType<typeof createTokenSessions>
