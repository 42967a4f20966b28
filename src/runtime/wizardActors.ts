import { fromCallback, fromPromise, waitFor, type EventObject } from 'xstate'
import { callWizardMachine, type AttemptOutcome, type ConsentNeed, type ConsentOpening, type Interaction } from '../../machines/callWizard.js'
import { buildApiRequest } from '../call/buildRequest.js'
import { sendApiRequest } from '../call/sendRequest.js'
import { ConsentRequiredError, InsufficientScopeError, TokenExpiredError, type ConsentReason } from '../errors.js'
import type { PendingCall } from '../model/session.js'
import { hasScopes, isTokenFresh, unionScopes } from '../model/tokens.js'
import type { HttpDoors } from '../oauth/http.js'
import { resolveTarget, type CallTarget, type TargetConfig } from './targets.js'
import { isSettled, settled, type TokenSessionSnapshot, type TokenSessions } from './tokenSessions.js'

/** requests-oauthlib's three refresh behaviours. */
export type RefreshMode = 'auto' | 'raise' | 'notify'

export interface WizardDeps {
  config: TargetConfig
  sessions: TokenSessions
  doors: HttpDoors
  refresh: RefreshMode
  completeAuthorization(callbackUrl: string): Promise<unknown>
  /** Where the user should come back to after a redirect consent (the current page). */
  returnTo?: (() => string | undefined) | undefined
}

function consentNeeded(
  target: CallTarget,
  reason: ConsentReason,
  granted: readonly string[],
  needed: readonly string[] = [],
  kind: 'consentNeeded' | 'renewalNeeded' = 'consentNeeded',
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

function reasonOf(snapshot: TokenSessionSnapshot): ConsentReason {
  if (snapshot.matches('revoked')) return 'revoked'
  if (snapshot.matches('expired')) return 'refresh_failed'
  return 'no_session'
}

/**
 * One attempt at a call with the session's current token: the happy path (a fresh token) is a
 * snapshot read and one request; everything else says what the wizard should do next.
 */
export async function attemptCall(deps: WizardDeps, call: PendingCall): Promise<AttemptOutcome> {
  const target = resolveTarget(deps.config, call)
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
      outcome = await sendApiRequest(request, tokens, deps.doors, target.endpoint.parseResult)
    } catch (error) {
      void deps.sessions.recordCallError(target, error)
      throw error
    }
    if (outcome.ok) return { kind: 'succeeded', value: outcome.value }
    if (outcome.refusal === 'token_rejected') {
      session.send({ type: 'TOKEN_REJECTED', accessToken: tokens.accessToken })
      return renewalNeeded(deps, target, tokens.scopes, 'token_rejected')
    }
    if (target.holder === 'application') throw new InsufficientScopeError(outcome.challenge.scopes, { description: outcome.challenge.description })
    return consentNeeded(target, 'insufficient_scope', tokens.scopes, outcome.challenge.scopes)
  }
  if (target.holder === 'application' || (tokens && (snapshot.matches('valid') || snapshot.matches('unavailable')))) {
    return renewalNeeded(deps, target, tokens?.scopes ?? [], 'refresh_failed')
  }
  return consentNeeded(target, reasonOf(snapshot), tokens?.scopes ?? [])
}

/** The token must be renewed; if that does not help, this is the consent to ask for. */
function renewalNeeded(deps: WizardDeps, target: CallTarget, granted: readonly string[], reason: ConsentReason): AttemptOutcome {
  // `raise`: the app refreshes by itself, as with requests-oauthlib's TokenExpiredError.
  if (deps.refresh === 'raise' && target.holder === 'person') throw new TokenExpiredError(target.key)
  return consentNeeded(target, reason, granted, [], 'renewalNeeded')
}

/** Renews the session's token: one refresh however many calls ask; all are released by its outcome. */
export async function renewToken(deps: WizardDeps, call: PendingCall): Promise<AttemptOutcome> {
  const target = resolveTarget(deps.config, call)
  const session = deps.sessions.for(target)
  session.send({ type: 'ACCESS_NEEDED', now: deps.doors.now() })
  const snapshot = await settled(session)
  if (snapshot.matches('valid')) return { kind: 'succeeded', value: undefined }
  if (snapshot.matches('unavailable') && snapshot.context.error) throw snapshot.context.error
  return consentNeeded(target, reasonOf(snapshot), snapshot.context.tokens?.scopes ?? [])
}

/** Prepares the session's consent, or joins the one already under way for the same scopes. */
export async function beginConsent(
  deps: WizardDeps,
  input: { call: PendingCall; consent: ConsentNeed; wizardId: string },
): Promise<ConsentOpening> {
  const target = resolveTarget(deps.config, input.call)
  const session = deps.sessions.for(target)
  const current = session.getSnapshot()
  const joinable =
    (current.matches('authorizing') && current.context.authorizationUrl && hasScopes(current.context.pending?.scopes ?? [], input.consent.scopes)) ||
    current.matches('preparingConsent')
  if (!joinable) {
    session.send({
      type: 'CONSENT_REQUESTED',
      request: { scopes: input.consent.scopes, requester: input.wizardId, call: input.call, returnTo: deps.returnTo?.() },
    })
  }
  const snapshot = await waitFor(session, (s) => s.matches('authorizing') || s.matches('consentFailed') || s.matches('valid'), { timeout: Infinity })
  if (snapshot.matches('consentFailed')) throw snapshot.context.error
  return {
    authorizationUrl: snapshot.context.authorizationUrl ?? '',
    opensProvider: snapshot.matches('authorizing') && snapshot.context.consentOwner === input.wizardId,
  }
}

/** Waits for the session's consent to end, delivering the callback first when this wizard has it. */
export async function completeConsent(deps: WizardDeps, input: { call: PendingCall; callbackUrl: string | undefined }): Promise<void> {
  if (input.callbackUrl) {
    await deps.completeAuthorization(input.callbackUrl)
    return
  }
  const session = deps.sessions.for(resolveTarget(deps.config, input.call))
  const snapshot = await waitFor(session, (s) => s.matches('valid') || s.matches('consentFailed'), { timeout: Infinity })
  if (snapshot.matches('consentFailed')) throw snapshot.context.error
}

/** The call wizard's actors, implemented over the runtime's token sessions. */
export function wizardActorsFor(deps: WizardDeps) {
  return {
      attemptCall: fromPromise<AttemptOutcome, { call: PendingCall }>(({ input }) => attemptCall(deps, input.call)),
      renewToken: fromPromise<AttemptOutcome, { call: PendingCall }>(({ input }) => renewToken(deps, input.call)),
      beginConsent: fromPromise<ConsentOpening, { call: PendingCall; consent: ConsentNeed; wizardId: string; interaction: Interaction }>(({ input }) => beginConsent(deps, input)),
      completeConsent: fromPromise<void, { call: PendingCall; callbackUrl: string | undefined }>(({ input }) => completeConsent(deps, input)),
      watchSession: fromCallback<EventObject, { call: PendingCall }>(({ sendBack, input }) => {
        const session = deps.sessions.for(resolveTarget(deps.config, input.call))
        const report = (snapshot: TokenSessionSnapshot) => {
          if (snapshot.matches('exchangingCode')) sendBack({ type: 'CODE_EXCHANGE_STARTED' })
          else if (snapshot.matches('valid')) sendBack({ type: 'SESSION_AUTHORIZED' })
          else if (snapshot.matches('consentFailed')) sendBack({ type: 'CONSENT_FAILED', error: snapshot.context.error })
        }
        report(session.getSnapshot())
        const subscription = session.subscribe(report)
        return () => subscription.unsubscribe()
      }),
  }
}

/** The call wizard with the runtime's actors. */
export function wizardMachineFor(deps: WizardDeps) {
  return callWizardMachine.provide({ actors: wizardActorsFor(deps) })
}

export type WizardMachine = ReturnType<typeof wizardMachineFor>
