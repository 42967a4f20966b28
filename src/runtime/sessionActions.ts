import { waitFor } from 'xstate'
import { ConfigurationError, ConsentRequiredError, type GrantflowError } from '../errors.js'
import { listedSession } from '../model/listedSession.js'
import type { ApiUser, Session } from '../model/session.js'
import type { GrantflowSessions, PersonKind, ScopedSessions } from './types.js'
import type { HttpDoors } from '../oauth/doors.js'
import type { SessionStore } from '../session/store.js'
import type { SessionTarget, TargetConfig } from './targets.js'
import { storedSessionTarget } from './storedTarget.js'
import { settled, type TokenSessions } from './tokenSessions.js'

// What an app does to a stored session by its key: disconnect it, renew it now, and, seen from
// one context (a server's request), find only that context's own. Loaded on first use: a page
// that only calls never loads it.

export interface SessionActionsDeps {
  sessions: TokenSessions
  store: SessionStore
  config: TargetConfig
  doors: HttpDoors
}

export function createSessionActions({ sessions, store, config, doors }: SessionActionsDeps) {
  const targetOfKey = async (key: string): Promise<SessionTarget | undefined> => {
    const live = sessions.byKey(key)
    if (live) return live.target
    const stored = await store.get(key)
    const api = stored && config.apis[stored.api]
    return stored && api ? storedSessionTarget(config, api, stored) : undefined
  }

  const disconnect = async (key: string): Promise<{ revoked: boolean; error?: GrantflowError }> => {
    const target = await targetOfKey(key)
    if (!target) return { revoked: false }
    const actor = await sessions.start(target)
    await settled(actor)
    actor.send({ type: 'REVOKE' })
    const { context } = await waitFor(actor, (s) => s.matches('revoked'), { timeout: Infinity })
    return { revoked: context.revokedAtProvider === true, ...(context.error && { error: context.error }) }
  }

  const refresh = async (key: string): Promise<void> => {
    const target = await targetOfKey(key)
    if (!target) throw new ConfigurationError(`no session "${key}"`)
    const actor = await sessions.start(target)
    await settled(actor)
    actor.send({ type: 'ACCESS_NEEDED', now: doors.now() })
    const after = await settled(actor)
    if (!after.matches('valid'))
      throw (
        after.context.error ??
        new ConsentRequiredError({ provider: target.provider, api: target.api, scopes: [...target.scopes], reason: 'refresh_failed', sessionKey: key })
      )
  }

  /**
   * The stored session of a key if it is one of the context's API users (never the
   * application's): another user's key finds nothing, as a key that does not exist.
   */
  const own = async (key: string, userOf: (kind: PersonKind) => ApiUser): Promise<Session | undefined> => {
    const session = await store.get(key)
    const user = session?.apiUser
    return user && user.kind !== 'application' && userOf(user.kind).id === user.id ? session : undefined
  }

  const all: GrantflowSessions = {
    list: async (apiUser) => (await store.list(apiUser)).map(listedSession),
    get: async (key) => {
      const session = await store.get(key)
      return session && listedSession(session)
    },
    disconnect,
    refresh,
  }

  /** The sessions of one context's API users (`userOf` answers who they are). */
  const scoped = (userOf: (kind: PersonKind) => ApiUser): ScopedSessions => ({
    list: async (kind) => (await store.list(userOf(kind))).map(listedSession),
    get: async (key) => {
      const session = await own(key, userOf)
      return session && listedSession(session)
    },
    disconnect: async (key) => ((await own(key, userOf)) ? disconnect(key) : { revoked: false }),
    async refresh(key) {
      if (!(await own(key, userOf))) throw new ConfigurationError(`no session "${key}"`)
      return refresh(key)
    },
  })

  return { all, scoped }
}

export type SessionActions = ReturnType<typeof createSessionActions>
