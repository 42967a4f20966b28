import { observeSession, type TokenSessionSnapshot } from '../runtime/tokenSessions.js'
import type { Grantflow } from '../runtime/types.js'
import { asGrantflowError, type GrantflowError } from '../errors.js'
import type { ConnectionError, Session } from '../model/session.js'
import { statePath } from './statePath.js'

/** What an app shows of one session: derived from its token session and its stored record. */
export interface SessionView {
  /** The session key, once known. */
  key: string | undefined
  /** The token session's state (`valid`, `refreshing`, `expired`...); `unknown` when no session is live. */
  state: string
  /** Tokens are held and can be used or renewed without asking the user. */
  connected: boolean
  /** Scopes granted. */
  scopes: string[]
  /** When the access token expires (epoch ms), if the provider said. */
  expiresAt: number | undefined
  /** The session's last failures (never a token), newest last. */
  errors: ConnectionError[]
  /** Why the session could not be found (no current company, unknown API...). */
  error: GrantflowError | undefined
}

/**
 * One session followed for a view, in the shape `useSyncExternalStore` takes: `subscribe` and a
 * `getSnapshot` that returns the same object until something the view shows changed.
 */
export interface SessionObserver {
  subscribe(listener: () => void): () => void
  getSnapshot(): SessionView
  /** Revokes the session at the provider (where it can) and forgets its tokens. */
  disconnect(): Promise<void>
}

/** Which session to follow: by key, or the one an endpoint's calls use. */
export type ObservedSession = { key: string } | { api: string; endpoint: string }

type ObservedRuntime = Pick<Grantflow, 'tokenSession' | 'tokenSessionFor' | 'sessionKeyFor' | 'sessions'>

/**
 * Follows one session for a view: subscribes to its token session while someone listens (and
 * keeps it live meanwhile: the runtime never lets an observed session go) and re-reads its
 * stored record (its connection errors) when the session moves; polls nothing.
 * An endpoint's session is started (and loaded from the store) when first listened to; until its
 * actors have loaded, the view shows the stored record (state `unknown`).
 *
 * @example
 * const observer = createSessionObserver(grantflow, { api: 'vat', endpoint: 'submitReturn' })
 * const view = useSyncExternalStore(observer.subscribe, observer.getSnapshot)
 */
export function createSessionObserver(runtime: ObservedRuntime, observed: ObservedSession): SessionObserver {
  type Found = { key: string | undefined; actor: ReturnType<ObservedRuntime['tokenSession']>; error?: GrantflowError }
  let found: Found
  try {
    const key = 'key' in observed ? observed.key : runtime.sessionKeyFor({ api: observed.api, endpoint: observed.endpoint, params: {} })
    found = { key, actor: runtime.tokenSession(key) }
  } catch (error) {
    found = { key: undefined, actor: undefined, error: asGrantflowError(error) }
  }
  // An endpoint's session: started once, when first listened to.
  let starting: Promise<void> | undefined
  const startEndpointSession = (api: string, endpoint: string) =>
    (starting ??= Promise.resolve()
      .then(() => runtime.tokenSessionFor({ api, endpoint, params: {} }))
      .then(
        (actor) => {
          found = { key: found.key, actor }
        },
        (error: unknown) => {
          found = { key: undefined, actor: undefined, error: asGrantflowError(error) }
        },
      ))

  let stored: Session | undefined
  let view = viewOf(found, found.actor?.getSnapshot(), stored)
  const listeners = new Set<() => void>()
  let stop: (() => void) | undefined

  const update = () => {
    const next = viewOf(found, found.actor?.getSnapshot(), stored)
    if (sameView(view, next)) return
    view = next
    for (const listener of listeners) listener()
  }
  const reread = () => {
    if (!found.key) return
    runtime.sessions.get(found.key).then(
      (session) => {
        stored = session
        update()
      },
      // A store that cannot be read shows what the live session knows.
      () => undefined,
    )
  }
  const follow = () => {
    const { actor } = found
    // Observed, the session stays live while it is shown, however many others are called.
    const release = actor && observeSession(actor)
    const subscription = actor?.subscribe(() => {
      update()
      reread()
    })
    update()
    reread()
    return () => {
      subscription?.unsubscribe()
      release?.()
    }
  }
  const start = () => {
    if ('key' in observed || found.actor || !found.key) return follow()
    let stopped = false
    let unfollow: (() => void) | undefined
    void startEndpointSession(observed.api, observed.endpoint).then(() => {
      if (!stopped) unfollow = follow()
    })
    return () => {
      stopped = true
      unfollow?.()
    }
  }

  return {
    subscribe(listener) {
      listeners.add(listener)
      stop ??= start()
      return () => {
        listeners.delete(listener)
        if (listeners.size === 0) {
          stop?.()
          stop = undefined
        }
      }
    },
    getSnapshot: () => view,
    async disconnect() {
      if (found.key) await runtime.sessions.disconnect(found.key)
    },
  }
}

function viewOf(
  found: { key: string | undefined; error?: GrantflowError },
  snapshot: TokenSessionSnapshot | undefined,
  stored: Session | undefined,
): SessionView {
  const tokens = snapshot ? snapshot.context.tokens : stored?.tokens
  return {
    key: found.key,
    state: snapshot ? statePath(snapshot.value) : 'unknown',
    connected: tokens !== undefined && !snapshot?.hasTag('unusable'),
    scopes: tokens?.scopes ?? [],
    expiresAt: tokens?.expiresAt,
    errors: stored?.errors ?? [],
    error: found.error,
  }
}

function sameView(a: SessionView, b: SessionView): boolean {
  return (
    a.key === b.key &&
    a.state === b.state &&
    a.connected === b.connected &&
    a.expiresAt === b.expiresAt &&
    a.error === b.error &&
    a.errors.length === b.errors.length &&
    a.errors.at(-1)?.at === b.errors.at(-1)?.at &&
    a.scopes.join(' ') === b.scopes.join(' ')
  )
}
