import { useCallback, useMemo, useSyncExternalStore } from 'react'
import type { Api } from '../model/api.js'
import { createSessionObserver, type SessionView } from '../observers/sessionObserver.js'
import { useGrantflow } from './GrantflowProvider.js'
import { apiIdOf } from './types.js'

/** One session as a view shows it (see SessionView), and what the user can do to it. */
export interface SessionStatus extends SessionView {
  /** Revokes the session at the provider (where it can) and forgets its tokens. */
  disconnect: () => Promise<void>
}

/**
 * Follows one session: the one an endpoint's calls use (`useSession(vat, 'submitReturn')`),
 * or a session by key (`useSession(key)`). Its view comes from a session observer (createSessionObserver)
 * through useSyncExternalStore; polls nothing.
 *
 * @example
 * const vatSession = useSession(vat, 'submitReturn')
 * return vatSession.connected ? <button onClick={vatSession.disconnect}>Disconnect</button> : null
 */
export function useSession(api: Api | string, endpoint: string): SessionStatus
export function useSession(sessionKey: string): SessionStatus
export function useSession(apiOrKey: Api | string, endpoint?: string): SessionStatus {
  const grantflow = useGrantflow()
  const apiId = apiIdOf(apiOrKey)
  const observer = useMemo(
    () => createSessionObserver(grantflow, endpoint === undefined ? { key: apiId } : { api: apiId, endpoint }),
    [grantflow, apiId, endpoint],
  )
  const view = useSyncExternalStore(observer.subscribe, observer.getSnapshot, observer.getSnapshot)
  const disconnect = useCallback(() => observer.disconnect(), [observer])
  return { ...view, disconnect }
}
