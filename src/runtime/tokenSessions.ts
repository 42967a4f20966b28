import { createActor, fromPromise, type ActorOptions, type ActorRefFrom, type AnyActorLogic, type SnapshotFrom } from 'xstate'
import { tokenSessionMachine, type ConsentRequest } from '../../machines/tokenSession.js'
import { InvalidCallbackError, StorageError, type GrantflowError } from '../errors.js'
import { emptySession, isPendingExpired, withError, type ConnectionError, type PendingAuthorization, type Session } from '../model/session.js'
import { isTokenFresh, type TokenSet } from '../model/tokens.js'
import type { OAuthContext } from '../oauth/context.js'
import type { HttpDoors } from '../oauth/doors.js'
import { loadSteps } from '../oauth/loadSteps.js'
import type { SessionStore } from '../session/store.js'
import type { RefreshMode } from './attempt.js'
import type { SessionLock } from './lock.js'
import type { SessionTarget } from './targets.js'

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

export interface TokenSessionDeps {
  store: SessionStore
  lock: SessionLock
  doors: HttpDoors
  oauthContext(target: SessionTarget): Promise<OAuthContext>
  /**
   * Called after tokens change (refresh, exchange, client credentials): requests-oauthlib's token
   * saver. Awaited in `notify` mode, before the call goes on; called and left to run otherwise.
   */
  onTokensUpdated?: ((session: Session) => unknown) | undefined
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

/** How many times a session write is tried against writers that keep winning. */
const SAVE_ATTEMPTS = 5

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
   * Lets go of the least recently used idle sessions beyond the bound, looking at a few at most.
   * Idle: resting, or waiting for a consent past its lifetime (its user walked away: a callback
   * for it is refused, and one found in the store is dropped). A busy one goes to the back of the
   * line, so sessions that stay busy never keep the idle ones behind them live.
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
      if (!abandoned && !snapshot.hasTag('resting')) actors.set(key, entry)
    }
  }
  const { store, doors } = deps

  /**
   * Changes the stored session: reads it, applies `change` and writes it back only if no one
   * wrote in between (another instance, tab or actor of this key); else `change` is applied again
   * to the record that won. So an error recorded late never writes back tokens from before a
   * rotation, and nothing another runtime saved is lost to a stale copy.
   */
  const save = async (target: SessionTarget, change: (session: Session) => Session): Promise<Session> => {
    let current = await store.get(target.key)
    for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
      const base = current ?? emptySession({ api: target.api.id, environment: target.environmentName, apiUser: target.apiUser }, doors.now())
      // The key is the target's (it may carry the application's scope set).
      const next = { ...change(base), key: target.key, updatedAt: doors.now(), version: (current?.version ?? 0) + 1 }
      const result = await store.set(next, current?.version)
      if (result.written) return next
      current = result.current
    }
    // Writers that keep winning over this one: the store is as good as unavailable to it.
    throw new StorageError({ name: 'WriteConflict' })
  }

  /**
   * Saves tokens a request obtained. `replacing`: the tokens the request was made to renew; if
   * the store holds other fresh ones by the time of the write (another instance renewed too),
   * the first saved wins and these are dropped, so every runtime goes on with one token set.
   */
  const saveTokens = async (target: SessionTarget, tokens: TokenSet, replacing?: { tokens: TokenSet | undefined }): Promise<TokenSet> => {
    const session = await save(target, (s) => {
      const renewedMeanwhile = replacing && s.tokens && s.tokens.accessToken !== replacing.tokens?.accessToken && isTokenFresh(s.tokens, doors.now())
      return renewedMeanwhile ? s : { ...s, tokens, pending: undefined }
    })
    if (session.tokens !== tokens) return session.tokens!
    if (deps.refresh !== 'notify') deps.onTokensUpdated?.(session)
    else {
      try {
        // The app persists the new tokens before any call uses them; they are in the store already.
        await deps.onTokensUpdated!(session)
      } catch (error) {
        throw new StorageError(error)
      }
    }
    return tokens
  }

  /** Records a failure on the session (never a token: only codes and the provider's text). */
  const recordError = async (target: SessionTarget, step: ConnectionError['step'], error: unknown): Promise<never> => {
    const e = error as Partial<GrantflowError>
    await save(target, (s) =>
      withError(s, {
        at: doors.now(),
        step,
        code: e.code ?? 'unknown',
        ...(e.error !== undefined && { error: e.error }),
        ...(e.description !== undefined && { description: e.description }),
      }),
    ).catch(() => undefined)
    throw error
  }

  /** The protocol context for a request made under the lock: it stops when the lease runs out. */
  const leasedContext = async (target: SessionTarget, signal: AbortSignal): Promise<OAuthContext> => {
    const context = await deps.oauthContext(target)
    return { ...context, doors: { ...context.doors, signal } }
  }

  const actorsFor = (target: SessionTarget) => ({
    loadSession: fromPromise<Session | undefined, { key: string }>(async () => {
      const session = await store.get(target.key)
      if (!session?.pending || !isPendingExpired(session.pending, doors.now(), deps.pendingTtlMs)) return session
      // An authorization its user walked away from (before a restart, a reload): forgotten.
      const { pending: _expired, ...rest } = session
      return (await store.take(session.pending.state).catch(() => undefined))?.session ?? rest
    }),
    refreshTokens: fromPromise<TokenSet, { key: string; tokens: TokenSet }>(async ({ input }) =>
      deps.lock
        .runExclusive(target.key, async ({ signal }) => {
          // Another tab or instance may have refreshed while we waited for the lock: a rotated
          // refresh token must never be sent twice, so adopt theirs.
          const stored = (await store.get(target.key))?.tokens
          if (stored && stored.refreshToken !== input.tokens.refreshToken && isTokenFresh(stored, doors.now())) return stored
          const { refreshTokens } = await loadSteps()
          return saveTokens(target, await refreshTokens(await leasedContext(target, signal), input.tokens), input)
        })
        .catch((error) => recordError(target, 'refresh', error)),
    ),
    requestToken: fromPromise<TokenSet, { key: string; tokens: TokenSet | undefined }>(async ({ input }) =>
      deps.lock
        .runExclusive(target.key, async ({ signal }) => {
          // Adopt a token another instance obtained meanwhile, unless it is the one just refused.
          const stored = (await store.get(target.key))?.tokens
          if (stored && stored.accessToken !== input.tokens?.accessToken && isTokenFresh(stored, doors.now())) return stored
          const { requestClientCredentials } = await loadSteps()
          return saveTokens(target, await requestClientCredentials(await leasedContext(target, signal), target.scopes), input)
        })
        .catch((error) => recordError(target, 'client_credentials', error)),
    ),
    prepareConsent: fromPromise<{ url: string; pending: PendingAuthorization }, { key: string; request: ConsentRequest; granted: string[] }>(
      async ({ input }) => {
        try {
          const [context, { startAuthorization }] = await Promise.all([deps.oauthContext(target), loadSteps()])
          const prepared = await startAuthorization({
            as: context.as,
            client: context.client,
            scopes: input.request.scopes,
            now: doors.now(),
            returnTo: input.request.returnTo,
            call: input.request.call,
          })
          await save(target, (s) => ({ ...s, pending: prepared.pending }))
          return prepared
        } catch (error) {
          return recordError(target, 'authorize', error)
        }
      },
    ),
    exchangeCode: fromPromise<TokenSet, { key: string; callback: URLSearchParams; pending: PendingAuthorization }>(async ({ input }) => {
      const [context, { validateCallback, exchangeCode }] = await Promise.all([deps.oauthContext(target), loadSteps()])
      try {
        // Taken out of the store before the exchange, by one taker of all the runtimes that
        // share it: a reload, a second tab or instance brought the same callback finds
        // nothing to exchange, so a code is used once.
        const taken = await store.take(input.pending.state)
        if (!taken) throw new InvalidCallbackError('code_already_used')
        const callback = validateCallback(context, input.callback, taken.pending)
        return await saveTokens(target, await exchangeCode(context, callback, taken.pending))
      } catch (error) {
        return recordError(target, 'exchange', error)
      }
    }),
    revokeTokens: fromPromise<boolean, { key: string; tokens: TokenSet | undefined }>(async ({ input }) => {
      try {
        return input.tokens ? await (await loadSteps()).revokeTokens(await deps.oauthContext(target), input.tokens) : false
      } catch (error) {
        await recordError(target, 'revoke', error).catch(() => undefined)
        throw error
      } finally {
        await save(target, (s) => ({ ...s, tokens: undefined, pending: undefined }))
      }
    }),
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
      return entry && save(entry.target, (s) => (s.pending?.state === state ? { ...s, pending: undefined } : s)).catch(() => undefined)
    },
    /** Records a failed API call on its session. */
    recordCallError(target: SessionTarget, error: unknown) {
      return recordError(target, 'call', error).catch(() => undefined)
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
