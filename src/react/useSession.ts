import { useSelector } from '@xstate/react'
import { useCallback, useEffect, useMemo, useState } from 'react'
import { asGrantflowError, type GrantflowError } from '../errors.js'
import type { Api } from '../model/api.js'
import type { ConnectionError, Session } from '../model/session.js'
import { useGrantflow } from './GrantflowProvider.js'
import { apiIdOf } from './types.js'
import { statePath } from './wizardState.js'

export interface SessionStatus {
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
  /** Revokes the session at the provider (where it can) and forgets its tokens. */
  disconnect: () => Promise<void>
}

// States in which the tokens held can no longer be used: only consent helps.
const UNUSABLE = new Set(['expired', 'revoking', 'revoked'])

/**
 * Follows one session: the one an endpoint's calls use (`useSession(vat, 'submitReturn')`),
 * or a session by key (`useSession(key)`). Subscribes to the token session actor and re-reads the
 * store when it changes; polls nothing.
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
  const found = useMemo(() => {
    try {
      if (endpoint === undefined) return { key: apiId, actor: grantflow.tokenSession(apiId) }
      // Starts the session (loaded from the store) if no call has yet: idempotent per key.
      const actor = grantflow.tokenSessionFor({ api: apiId, endpoint, params: {} })
      return { key: actor.getSnapshot().context.key, actor }
    } catch (error) {
      return { key: undefined, actor: undefined, error: asGrantflowError(error) }
    }
  }, [grantflow, apiId, endpoint])

  const snapshot = useSelector(found.actor, (s) => s)
  const [stored, setStored] = useState<Session | undefined>()
  useEffect(() => {
    if (!found.key) return
    let live = true
    grantflow.sessions.get(found.key).then(
      (session) => live && setStored(session),
      () => undefined,
    )
    return () => {
      live = false
    }
  }, [grantflow, found.key, snapshot])

  const disconnect = useCallback(async () => {
    if (found.key) await grantflow.sessions.disconnect(found.key)
  }, [grantflow, found.key])

  const state = snapshot ? statePath(snapshot.value) : 'unknown'
  const tokens = snapshot ? snapshot.context.tokens : stored?.tokens
  return {
    key: found.key,
    state,
    connected: tokens !== undefined && !UNUSABLE.has(state),
    scopes: tokens?.scopes ?? [],
    expiresAt: tokens?.expiresAt,
    errors: stored?.errors ?? [],
    error: found.error,
    disconnect,
  }
}
