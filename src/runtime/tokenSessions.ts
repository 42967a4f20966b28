import { createActor, fromPromise, type ActorOptions, type ActorRefFrom, type AnyActorLogic, type SnapshotFrom } from 'xstate'
import { tokenSessionMachine } from '../../machines/tokenSession.js'
import { isPendingExpired, type Session } from '../model/session.js'
import type { OAuthContext } from '../oauth/context.js'
import type { HttpDoors } from '../oauth/doors.js'
import type { SessionStore } from '../session/store.js'
import type { RefreshMode } from './attempt.js'
import type { SessionLock } from './lock.js'
import type { SessionIo } from './sessionIo.js'
import type { TokenSessionActors } from './types.js'
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
        complete: () => done(() => reject(new Error('the token session stopped'))),
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
  decorate?: ((actors: ReturnType<ReturnType<typeof createTokenSessions>['actorsFor']>, target: SessionTarget) => object) | undefined
}

/** How many token sessions a runtime keeps live by default. */
export const MAX_LIVE_SESSIONS = 500

/**
 * The live token sessions of one runtime, one actor per session key, each wired to the store,
 * the lock and the protocol layer.
 *
 * A server calls for many users over its life: only the most recently used sessions stay live
 * (their tokens are in the store, where the next call finds them), so memory is bounded however
 * many users were ever called. A session is let go only while resting: never mid-refresh, nor
 * while a consent is under way (a wizard watches it). No timer is kept per session.
 */
export function createTokenSessions(deps: TokenSessionDeps) {
  // In order of use, the least recent first.
  const actors = new Map<string, { actor: TokenSessionActor; target: SessionTarget }>()
  const maxLive = deps.maxLiveSessions ?? MAX_LIVE_SESSIONS

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
  const { store, doors } = deps

  // The actors' bodies beyond the store read, loaded on a session's first renewal, consent,
  // exchange, revocation or recorded failure: a call with a valid token needs none of them.
  let io: Promise<SessionIo> | undefined
  const loadIo = () => (io ??= import('./sessionIo.js').then((m) => m.createSessionIo(deps)))

  /** An actor whose body loads with sessionIo.ts; one stopped before it arrived (disposed) sends nothing. */
  const lazy = <K extends Exclude<keyof TokenSessionActors, 'loadSession'>>(target: SessionTarget, name: K): TokenSessionActors[K] =>
    fromPromise(async ({ input, signal }) =>
      ((await loadIo())[name] as (target: SessionTarget, input: unknown, signal: AbortSignal) => Promise<unknown>)(target, input, signal),
    ) as unknown as TokenSessionActors[K]

  const actorsFor = (target: SessionTarget) => ({
    loadSession: fromPromise<Session | undefined, { key: string }>(async () => {
      const session = await store.get(target.key)
      if (!session?.pending || !isPendingExpired(session.pending, doors.now(), deps.pendingTtlMs)) return session
      // An authorization its user walked away from (before a restart, a reload): forgotten.
      const { pending: _expired, ...rest } = session
      return (await store.take(session.pending.state).catch(() => undefined))?.session ?? rest
    }),
    refreshTokens: lazy(target, 'refreshTokens'),
    requestToken: lazy(target, 'requestToken'),
    prepareConsent: lazy(target, 'prepareConsent'),
    exchangeCode: lazy(target, 'exchangeCode'),
    revokeTokens: lazy(target, 'revokeTokens'),
  })

  return {
    /** The I/O actors of one session's machine (the model-based tests wrap them). */
    actorsFor,
    /** The session actor for a target, started on first use. */
    for(target: SessionTarget): TokenSessionActor {
      let entry = actors.get(target.key)
      if (entry) {
        // Most recently used last.
        actors.delete(target.key)
        actors.set(target.key, entry)
      } else {
        const defaults = actorsFor(target)
        const provided = { ...defaults, ...deps.decorate?.(defaults, target) }
        const actor = createActor(tokenSessionMachine.provide({ actors: provided }), {
          input: { key: target.key, renewal: target.grant.renewal },
          ...(deps.inspect && { inspect: deps.inspect }),
        })
        entry = { actor, target }
        actors.set(target.key, entry)
        actor.start()
        letGoIdle()
      }
      return entry.actor
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
    },
  }
}

export type TokenSessions = ReturnType<typeof createTokenSessions>
