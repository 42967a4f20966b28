import { waitFor } from 'xstate'
import { InvalidCallbackError } from '../errors.js'
import { callbackParameters } from '../oauth/callbackParameters.js'
import type { SessionStore } from '../session/store.js'
import type { CompletedAuthorization } from './createGrantflow.js'
import { forgetOldest } from './recent.js'
import { sessionTarget, type TargetConfig } from './targets.js'
import { settled, type TokenSessions } from './tokenSessions.js'

/**
 * Finds the session whose pending authorization has the callback's `state` (live, or in the
 * store after a redirect) and hands it the callback: the session validates it and exchanges the
 * code once. Loaded on the first callback, not with the page.
 */
export async function exchangeCallback(
context: { sessions: TokenSessions; store: SessionStore; config: TargetConfig; spentStates: Set<string> },
state: string,
callbackUrl: string | URL,
): Promise<CompletedAuthorization> {
const { sessions, store, config, spentStates } = context
  let entry = sessions.entries().find((e) => e.actor.getSnapshot().context.pending?.state === state)
  if (!entry) {
    const stored = await store.findByState(state)
    const api = stored && config.apis[stored.api]
    if (stored && api) {
      const target = sessionTarget(config, api, stored.apiUser)
      const actor = sessions.for(target)
      await settled(actor)
      entry = sessions.byKey(target.key)
    }
  }
  const pending = entry?.actor.getSnapshot().context.pending
  if (!entry || pending?.state !== state) {
    throw new InvalidCallbackError(spentStates.has(state) ? 'code_already_used' : 'no_pending_authorization')
  }
  spentStates.add(state)
  forgetOldest(spentStates)
  entry.actor.send({ type: 'CALLBACK_RECEIVED', callback: callbackParameters(callbackUrl instanceof URL ? callbackUrl : String(callbackUrl)) })
  const after = await waitFor(entry.actor, (s) => !s.matches('exchangingCode'), { timeout: Infinity })
  if (!after.matches('valid')) throw after.context.error ?? new InvalidCallbackError('malformed')
  return {
    sessionKey: entry.target.key,
    ...(pending.returnTo && { returnTo: pending.returnTo }),
    ...(pending.call && { call: pending.call }),
  }
}
