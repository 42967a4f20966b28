import { waitFor } from 'xstate'
import { InvalidCallbackError, type GrantflowError } from '../errors.js'
import { isPendingExpired, type ApiUser, type PendingAuthorization } from '../model/session.js'
import { callbackParameters } from '../oauth/callbackParameters.js'
import type { SessionStore } from '../session/store.js'
import type { CompletedAuthorization } from './types.js'
import { forgetOldest } from './recent.js'
import type { SessionTarget, TargetConfig } from './targets.js'
import { storedSessionTarget } from './storedTarget.js'
import { settled, type TokenSessionActor, type TokenSessions } from './tokenSessions.js'

// How a runtime finishes authorizations from the provider's redirects: it finds the session that
// asked (live, or in the store after a redirect), checks the callback was brought by whoever
// started the authorization, and hands it to the session, which validates it and exchanges the
// code once. Loaded on the first callback, not with the page.

/** Who a callback must come from: what the app knows of the browser or user bringing it. */
export interface CallbackBinding {
  /**
   * The `binding` of the ConsentRequiredError that sent the user to the provider, which the app
   * kept where only that browser has it (an HttpOnly, SameSite=Lax cookie).
   */
  binding?: string | undefined
  /** The API user the request bringing the callback belongs to (the signed-in user or company). */
  apiUser?: ApiUser | undefined
}

export interface CallbackContext {
  sessions: TokenSessions
  store: SessionStore
  config: TargetConfig
  now: () => number
  pendingTtlMs: number
  /**
   * Whether every completion must say who brings the callback. A runtime without a navigator
   * (a server, a job) serves many browsers from one store: a callback must be bound to the one
   * that started it, or anyone could bring their grant into someone else's session.
   */
  requireBinding: boolean
  /**
   * A page's (a browser runtime's) current API user of a kind, where the app says who it is: a
   * callback another page brings is completed only for it. Undefined without a resolver.
   */
  currentApiUser?: ((kind: ApiUser['kind']) => ApiUser | undefined) | undefined
  /** Ends a consent (its waiting calls fail with `error`) and forgets its pending authorization. */
  abandon(sessionKey: string, error: GrantflowError): Promise<void>
}

interface FoundAuthorization {
  actor: TokenSessionActor
  target: SessionTarget
  pending: PendingAuthorization
  /** Whether this runtime's own live session started it (else it was found in the store). */
  startedHere: boolean
}

const parametersOf = (callbackUrl: string | URL) => callbackParameters(callbackUrl instanceof URL ? callbackUrl : String(callbackUrl))

/** A callback's `state`, or the error that refuses it. */
export function stateOf(callbackUrl: string | URL): string {
  const state = parametersOf(callbackUrl).get('state')
  if (!state) throw new InvalidCallbackError('state_mismatch')
  return state
}

export function createCallbacks(context: CallbackContext) {
  const { sessions, store, config } = context
  /** Pending authorizations found, by state: kept while spent, so a late completion can be checked. */
  const lookups = new Map<string, Promise<FoundAuthorization>>()
  /** Exchanges under way or done, by state: a double mount or a second delivery joins the first. */
  const exchanges = new Map<string, Promise<CompletedAuthorization>>()
  /** States already given to a caller of completeAuthorization: a callback is completed once. */
  const completed = new Set<string>()
  /** States a wizard delivered: their call is the wizard's to make, never handed out again. */
  const delivered = new Set<string>()

  const isExpired = (pending: PendingAuthorization) => isPendingExpired(pending, context.now(), context.pendingTtlMs)

  /** Refuses an authorization past its lifetime, forgotten in the store before the refusal is known. */
  const refuseExpired = async (target: SessionTarget, pending: PendingAuthorization): Promise<never> => {
    const error = new InvalidCallbackError('expired')
    error.sessionKey = target.key
    if (pending.returnTo) error.returnTo = pending.returnTo
    await context.abandon(target.key, error)
    throw error
  }

  const find = async (state: string): Promise<FoundAuthorization> => {
    let entry = sessions.entries().find((e) => e.actor.getSnapshot().context.pending?.state === state)
    const startedHere = entry !== undefined
    if (!entry) {
      const stored = await store.findByState(state)
      const api = stored && config.apis[stored.api]
      if (stored?.pending && isExpired(stored.pending)) {
        // Left behind by a runtime that stopped: forgotten, so it is not found again.
        await store.take(state).catch(() => undefined)
        throw new InvalidCallbackError('expired')
      }
      if (stored && api) {
        const target = storedSessionTarget(config, api, stored)
        await settled(await sessions.start(target))
        entry = sessions.byKey(target.key)
      }
    }
    const pending = entry?.actor.getSnapshot().context.pending
    if (!entry || pending?.state !== state) throw new InvalidCallbackError(completed.has(state) ? 'code_already_used' : 'no_pending_authorization')
    if (isExpired(pending)) await refuseExpired(entry.target, pending)
    return { actor: entry.actor, target: entry.target, pending, startedHere }
  }

  /**
   * Who must bring the callback: what the app said, else, for an authorization another page of
   * this browser started (a redirect's, another tab's), the API user this page is signed in as.
   * One browser can be shared: a tab now signed in as someone else must not take the first one's
   * grant and pending call.
   */
  const expectedOf = (found: FoundAuthorization, expected: CallbackBinding): CallbackBinding => {
    if (found.startedHere || expected.binding !== undefined || expected.apiUser !== undefined || !context.currentApiUser) return expected
    let apiUser: ApiUser | undefined
    try {
      apiUser = context.currentApiUser(found.target.apiUser.kind)
    } catch {
      throw new InvalidCallbackError('binding_mismatch', { description: `no ${found.target.apiUser.kind} is signed in to bring the callback` })
    }
    return apiUser ? { apiUser } : expected
  }

  const lookup = (state: string): Promise<FoundAuthorization> => {
    let known = lookups.get(state)
    if (!known) {
      known = find(state)
      lookups.set(state, known)
      // A state that finds nothing is not remembered: forged states must not fill the memory.
      known.catch(() => lookups.get(state) === known && lookups.delete(state))
      forgetOldest(lookups)
    }
    return known
  }

  const exchange = (state: string, callbackUrl: string | URL): Promise<CompletedAuthorization> => {
    let known = exchanges.get(state)
    if (!known) {
      known = (async () => {
        const { actor, target, pending } = await lookup(state)
        // Found earlier (a completion refused for its binding, say): still this session's
        // authorization, and still in time? Else there is nothing to exchange it for.
        const current = actor.getSnapshot().context.pending
        // (The first exchange of this state: its code was never used.)
        if (current?.state !== state) throw new InvalidCallbackError('no_pending_authorization')
        if (isExpired(pending)) await refuseExpired(target, pending)
        actor.send({ type: 'CALLBACK_RECEIVED', callback: parametersOf(callbackUrl) })
        const after = await waitFor(actor, (s) => !s.matches('exchangingCode'), { timeout: Infinity })
        if (!after.matches('valid')) throw after.context.error ?? new InvalidCallbackError('malformed')
        return {
          sessionKey: target.key,
          ...(pending.returnTo && { returnTo: pending.returnTo }),
          ...(pending.call && { call: pending.call }),
        }
      })()
      exchanges.set(state, known)
      forgetOldest(exchanges)
    }
    return known
  }

  return {
    /**
     * The app's completion (the route at the redirect URI, a popup's opener): checks who brings
     * the callback, then exchanges it. Once per callback: the second completion is refused, so
     * a reloaded or replayed callback URL never hands the pending call back twice.
     */
    async complete(callbackUrl: string | URL, expected: CallbackBinding = {}): Promise<CompletedAuthorization> {
      const state = stateOf(callbackUrl)
      if (completed.has(state)) throw new InvalidCallbackError('code_already_used')
      const found = await lookup(state)
      // Spent, whoever brings it again (the same browser reloading it, another): said as such,
      // and nothing of the authorization handed out.
      if (completed.has(state)) throw new InvalidCallbackError('code_already_used')
      checkBinding(found, expectedOf(found, expected), context.requireBinding)
      completed.add(state)
      forgetOldest(completed)
      const completion = await exchange(state, callbackUrl)
      if (!delivered.has(state)) return completion
      const { call: _wizardsCall, ...rest } = completion
      return rest
    },
    /** A wizard's delivery, in the page that started the consent: joins the exchange under way. */
    async deliver(callbackUrl: string | URL): Promise<CompletedAuthorization> {
      const state = stateOf(callbackUrl)
      delivered.add(state)
      forgetOldest(delivered)
      return exchange(state, callbackUrl)
    },
  }
}

/** Refuses a callback brought by someone other than who started its authorization. */
function checkBinding(found: FoundAuthorization, expected: CallbackBinding, required: boolean): void {
  const { binding, apiUser } = expected
  if (required && binding === undefined && apiUser === undefined) {
    throw new InvalidCallbackError('binding_mismatch', { description: 'say who brings the callback: the binding the consent error carried, or the API user' })
  }
  if (binding !== undefined && !(found.pending.binding !== undefined && sameSecret(binding, found.pending.binding))) {
    throw new InvalidCallbackError('binding_mismatch', { description: 'the callback was not brought by the browser that started the authorization' })
  }
  if (apiUser !== undefined && (apiUser.kind !== found.target.apiUser.kind || apiUser.id !== found.target.apiUser.id)) {
    throw new InvalidCallbackError('binding_mismatch', { description: 'the callback belongs to another API user' })
  }
}

/** Compares two secrets in time that does not depend on where they differ. */
function sameSecret(a: string, b: string): boolean {
  let difference = a.length ^ b.length
  for (let i = 0; i < Math.max(a.length, b.length); i++) difference |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0)
  return difference === 0
}
