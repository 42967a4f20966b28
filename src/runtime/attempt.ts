import type { AttemptOutcome, ConsentNeed } from '../../machines/callWizard.js'
import { buildApiRequest } from '../call/buildRequest.js'
import { sendApiRequest } from '../call/sendRequest.js'
import { ConsentRequiredError, InsufficientScopeError, TokenExpiredError, type ConsentReason } from '../errors.js'
import type { Endpoint } from '../model/api.js'
import type { PendingCall } from '../model/session.js'
import { hasScopes, isTokenFresh, unionScopes } from '../model/tokens.js'
import type { HttpDoors } from '../oauth/doors.js'
import type { CallTarget, TargetConfig } from './targets.js'
import { isSettled, settled, type TokenSessionSnapshot, type TokenSessions } from './tokenSessions.js'

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
  returnTo?: (() => string | undefined) | undefined
}

export function consentNeeded(
  target: CallTarget,
  reason: ConsentReason,
  granted: readonly string[],
  needed: readonly string[] = [],
  kind: Exclude<AttemptOutcome['kind'], 'succeeded'> = 'consentNeeded',
): AttemptOutcome {
  const need: ConsentNeed = {
    provider: { id: target.provider.id, name: target.provider.name },
    api: { id: target.api.id, name: target.api.name },
    // Ask again for what the session had, so consenting for one call loses no other.
    scopes: unionScopes(granted, target.endpoint.scopes, needed),
    reason,
    sessionKey: target.key,
  }
  return { kind, need, error: new ConsentRequiredError(need) }
}

export function reasonOf(snapshot: TokenSessionSnapshot): ConsentReason {
  if (snapshot.matches('revoked')) return 'revoked'
  if (snapshot.matches('expired')) return 'refresh_failed'
  return 'no_session'
}

/**
 * One attempt at a call with the session's current token: the happy path (a fresh token) is a
 * snapshot read and one request; everything else says what the wizard should do next.
 */
export async function attemptCall(deps: WizardDeps, call: PendingCall, target: CallTarget = deps.target(call)): Promise<AttemptOutcome> {
  const session = deps.sessions.for(target)
  let snapshot = session.getSnapshot()
  if (!isSettled(snapshot)) snapshot = await settled(session)
  const tokens = snapshot.context.tokens

  if (snapshot.matches('valid') && tokens && isTokenFresh(tokens, deps.doors.now())) {
    if (target.holder === 'person' && !hasScopes(tokens.scopes, target.endpoint.scopes)) {
      return consentNeeded(target, 'insufficient_scope', tokens.scopes)
    }
    const request = buildApiRequest(target.provider, target.environment, target.endpoint, call.params, call.body)
    let outcome
    try {
      outcome = await sendApiRequest(request, tokens, deps.doors, target.endpoint)
    } catch (error) {
      void deps.sessions.recordCallError(target, error)
      throw error
    }
    if (outcome.ok) return { kind: 'succeeded', value: outcome.value }
    if (outcome.refusal === 'token_rejected') {
      // Refused for running out in flight, or for being replaced meanwhile, the call goes again
      // with the renewed token; the bound stops an API slower than the tokens' lifetime.
      const outlived = !isTokenFresh(tokens, deps.doors.now()) || session.getSnapshot().context.tokens?.accessToken !== tokens.accessToken
      const expiries = (deps.inFlightExpiries?.get(call) ?? 0) + 1
      deps.inFlightExpiries?.set(call, expiries)
      session.send({ type: 'TOKEN_REJECTED', accessToken: tokens.accessToken })
      return renewalNeeded(deps, target, tokens.scopes, 'token_rejected', outlived && expiries <= MAX_IN_FLIGHT_EXPIRIES)
    }
    if (target.holder === 'application') throw new InsufficientScopeError(outcome.challenge.scopes, { description: outcome.challenge.description })
    return consentNeeded(target, 'insufficient_scope', tokens.scopes, outcome.challenge.scopes)
  }
  if (target.grant.renewal === 'reacquire' || (tokens && snapshot.hasTag('renewable'))) {
    // Stale before it was sent: nothing reached the API, so renewing costs the API nothing.
    return renewalNeeded(deps, target, tokens?.scopes ?? [], 'refresh_failed', snapshot.matches('valid'))
  }
  return consentNeeded(target, reasonOf(snapshot), tokens?.scopes ?? [])
}

/** How often one call may be refused for a token that ran out in flight before a refusal counts as one. */
export const MAX_IN_FLIGHT_EXPIRIES = 3

/**
 * The token must be renewed; if that does not help, this is the consent to ask for. `stale`: it
 * ran out by the clock, so renewing is always right (never consent while a refresh can succeed).
 */
function renewalNeeded(deps: WizardDeps, target: CallTarget, granted: readonly string[], reason: ConsentReason, stale: boolean): AttemptOutcome {
  // `raise`: the app refreshes by itself, as with requests-oauthlib's TokenExpiredError.
  if (deps.refresh === 'raise' && target.holder === 'person') throw new TokenExpiredError(target.key)
  return consentNeeded(target, reason, granted, [], stale ? 'tokenStale' : 'renewalNeeded')
}
