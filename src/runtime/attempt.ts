import type { AttemptOutcome } from '../../machines/callWizard.js'
import { buildApiRequest } from '../call/buildRequest.js'
import { sendApiRequest } from '../call/sendRequest.js'
import { InsufficientScopeError } from '../errors.js'
import type { Endpoint } from '../model/api.js'
import type { PendingCall } from '../model/session.js'
import { hasScopes, isTokenFresh } from '../model/tokens.js'
import type { HttpDoors } from '../oauth/doors.js'
import type { CallTarget, TargetConfig } from './targets.js'
import { isSettled, settled, type TokenSessions } from './tokenSessions.js'

/** requests-oauthlib's three refresh behaviours. */
export type RefreshMode = 'auto' | 'raise' | 'notify'

export interface WizardDeps {
  config: TargetConfig
  /** Resolves a call's target (cached: see createTargetResolver); `endpoint` when the caller holds it already. */
  target: (call: PendingCall, endpoint?: Endpoint) => CallTarget
  sessions: TokenSessions
  doors: HttpDoors
  refresh: RefreshMode
  /** Delivers a callback the wizard received (it joins an exchange already under way). */
  completeAuthorization(callbackUrl: string): Promise<unknown>
  /** How long a pending authorization waits for its callback. */
  pendingTtlMs: number
  /** How often each call was refused because its token ran out in flight (bounded: see MAX_IN_FLIGHT_EXPIRIES). */
  inFlightExpiries?: WeakMap<PendingCall, number>
  /** Where the user should come back to after a redirect consent (the current page). */
  returnTo?: ((context: never) => string | undefined) | undefined
}

// Loaded when a call first needs more than its valid token; the promise is kept, so a thousand
// stale calls do not each ask the module loader again (which costs far more under a loader hook).
let outcomesModule: Promise<typeof import('./attemptOutcomes.js')> | undefined
const outcomes = () => (outcomesModule ??= import('./attemptOutcomes.js'))

/**
 * One attempt at a call with the session's current token: the happy path (a fresh token) is a
 * read (the live session's snapshot, else the stored record, kept in memory afterwards) and one
 * request; everything else says what the wizard should do next.
 */
export async function attemptCall(deps: WizardDeps, call: PendingCall, target: CallTarget = deps.target(call)): Promise<AttemptOutcome> {
  const { sessions } = deps
  let session = sessions.byKey(target.key)?.actor
  // No live session: a fresh stored token is all the call needs (no actor, no xstate).
  let tokens = session ? undefined : await sessions.storedToken(target)
  if (!tokens || (target.holder === 'person' && !hasScopes(tokens.scopes, target.endpoint.scopes))) {
    session ??= await sessions.start(target)
    let snapshot = session.getSnapshot()
    if (!isSettled(snapshot)) snapshot = await settled(session)
    tokens = snapshot.context.tokens
    const fresh = snapshot.matches('valid') && tokens !== undefined && isTokenFresh(tokens, deps.doors.now())
    if (!fresh || (target.holder === 'person' && !hasScopes(tokens!.scopes, target.endpoint.scopes))) {
      // Not sent: what to do next (consent, renewal) is worked out by the lazily loaded outcomes.
      return (await outcomes()).unsent(deps, target, snapshot, fresh, () => attemptCall(deps, call, target))
    }
  }
  const sent = tokens!
  const request = buildApiRequest(target.provider, target.environment, target.endpoint, call.params, call.body)
  let outcome
  try {
    outcome = await sendApiRequest(request, sent, deps.doors, target.endpoint)
  } catch (error) {
    void sessions.recordCallError(target, error)
    throw error
  }
  if (outcome.ok) return { kind: 'succeeded', value: outcome.value }
  if (outcome.refusal === 'token_rejected') {
    // Refused for running out in flight, or for being replaced meanwhile, the call goes again
    // with the renewed token; the bound stops an API slower than the tokens' lifetime. A token
    // sent from the store is refused to a session started now, which reads the store anew.
    const started = !session
    session ??= await sessions.start(target)
    const current = (started ? await settled(session) : session.getSnapshot()).context.tokens
    const outlived = !isTokenFresh(sent, deps.doors.now()) || current?.accessToken !== sent.accessToken
    const expiries = (deps.inFlightExpiries?.get(call) ?? 0) + 1
    deps.inFlightExpiries?.set(call, expiries)
    session.send({ type: 'TOKEN_REJECTED', accessToken: sent.accessToken })
    const { renewalNeeded, MAX_IN_FLIGHT_EXPIRIES } = await outcomes()
    return renewalNeeded(deps, target, sent.scopes, 'token_rejected', outlived && expiries <= MAX_IN_FLIGHT_EXPIRIES)
  }
  if (target.holder === 'application') throw new InsufficientScopeError(outcome.challenge.scopes, { description: outcome.challenge.description })
  try {
    return (await outcomes()).scopeChallenged(target, sent, outcome.challenge)
  } catch (error) {
    void sessions.recordCallError(target, error)
    throw error
  }
}
