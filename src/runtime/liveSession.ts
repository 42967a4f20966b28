import { createActor, fromPromise } from 'xstate'
import { tokenSessionMachine } from '../../machines/tokenSession.js'
import { isPendingExpired, type Session } from '../model/session.js'
import type { SessionIo } from './sessionIo.js'
import type { SessionTarget } from './targets.js'
import type { TokenSessionActor, TokenSessionDeps } from './tokenSessions.js'
import type { TokenSessionActors } from './types.js'

// The token-session actors themselves, and xstate with them: loaded when a session first needs
// more than a valid stored token (a renewal, a consent, a refusal, a callback, a view following
// it). A page whose token is valid calls its APIs without loading them.

/** Makes a runtime's token-session actors, their I/O bodies loaded with `loadIo` on first need. */
export function createLiveSessions(deps: TokenSessionDeps, loadIo: () => Promise<SessionIo>) {
  const { store, doors } = deps

  /** An actor whose body loads with sessionIo.ts; one stopped before it arrived (disposed) sends nothing. */
  const lazy = <K extends Exclude<keyof TokenSessionActors, 'loadSession'>>(target: SessionTarget, name: K): TokenSessionActors[K] =>
    fromPromise(async ({ input, signal }) =>
      ((await loadIo())[name] as (target: SessionTarget, input: unknown, signal: AbortSignal) => Promise<unknown>)(target, input, signal),
    ) as unknown as TokenSessionActors[K]

  const actorsFor = (target: SessionTarget): TokenSessionActors => ({
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
    /** A started token session for the target, its actors decorated as the app asked. */
    start(target: SessionTarget): TokenSessionActor {
      const defaults = actorsFor(target)
      const provided = { ...defaults, ...deps.decorate?.(defaults, target) }
      const actor = createActor(tokenSessionMachine.provide({ actors: provided }), {
        input: { key: target.key, renewal: target.grant.renewal },
        ...(deps.inspect && { inspect: deps.inspect }),
      })
      actor.start()
      return actor
    },
  }
}

export type LiveSessions = ReturnType<typeof createLiveSessions>
