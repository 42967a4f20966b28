import { fromCallback, fromPromise, type CallbackActorLogic, type PromiseActorLogic, waitFor, type ActorRefFrom, type EventObject } from 'xstate'
import { callWizardMachine, type AttemptOutcome, type ConsentNeed, type ConsentOpening, type Interaction } from '../../machines/callWizard.js'
import { TokenEndpointError, type GrantflowError } from '../errors.js'
import { isPendingExpired, type PendingCall } from '../model/session.js'
import type { ConsentNavigator } from './navigation.js'
import { hasScopes, isTokenFresh } from '../model/tokens.js'
import { attemptCall, type WizardDeps } from './attempt.js'
import { consentNeeded, reasonOf } from './attemptOutcomes.js'
import { settled } from './tokenSessions.js'

// The call wizard and its actors: loaded when a call first needs more than a valid token (the
// fast path in attempt.ts does not), so the page-load bundle stays within its budget.

/** Renews the session's token: one refresh however many calls ask; all are released by its outcome. */
export async function renewToken(deps: WizardDeps, call: PendingCall): Promise<AttemptOutcome> {
  const target = deps.target(call)
  const session = await deps.sessions.start(target)
  const askedAt = deps.doors.now()
  // Sent only to a session it moves (one resting on a stale token): a session renewing already
  // drops it, after a machine step per call that held the token request behind the other calls
  // of a stampede (1,000 steps for 1,000 calls). They wait for that renewal instead.
  const needed = { type: 'ACCESS_NEEDED', now: askedAt } as const
  if (session.getSnapshot().can(needed)) session.send(needed)
  const snapshot = await settled(session)
  const tokens = snapshot.context.tokens
  if (snapshot.matches('valid') && tokens && !isTokenFresh(tokens, deps.doors.now()) && (tokens.receivedAt ?? 0) >= askedAt) {
    // Renewed, and stale already: renewing again would loop (expires_in 0, an absolute expiry
    // from a provider whose clock is ahead). The call is kept; the wizard can try again.
    throw new TokenEndpointError({
      grant: target.grant.renewal === 'reacquire' ? target.grant.type : 'refresh_token',
      error: 'invalid_response',
      description: 'the provider issued an access token that had expired on arrival',
    })
  }
  if (snapshot.matches('valid')) return { kind: 'succeeded', value: undefined }
  if (snapshot.matches('unavailable') && snapshot.context.error) throw snapshot.context.error
  return consentNeeded(target, reasonOf(snapshot), snapshot.context.tokens?.scopes ?? [])
}

/** Prepares the session's consent, or joins the one already under way for the same scopes. */
export async function beginConsent(deps: WizardDeps, input: { call: PendingCall; consent: ConsentNeed; wizardId: string }): Promise<ConsentOpening> {
  const target = deps.target(input.call)
  const session = await deps.sessions.start(target)
  const current = session.getSnapshot()
  const pending = current.context.pending
  const joinable =
    (current.matches('authorizing') &&
      current.context.authorizationUrl &&
      hasScopes(pending?.scopes ?? [], input.consent.scopes) &&
      // An authorization past its lifetime would be refused at its callback: ask anew.
      pending &&
      !isPendingExpired(pending, deps.doors.now(), deps.pendingTtlMs)) ||
    current.matches('preparingConsent')
  if (!joinable) {
    session.send({
      type: 'CONSENT_REQUESTED',
      request: {
        scopes: input.consent.scopes,
        requester: input.wizardId,
        call: input.call,
        returnTo: input.call.returnTo ?? (deps.returnTo as ((context: undefined) => string | undefined) | undefined)?.(undefined),
      },
    })
  }
  const snapshot = await waitFor(session, (s) => s.matches('authorizing') || s.matches('consentFailed') || s.matches('valid'), { timeout: Infinity })
  if (snapshot.matches('consentFailed')) throw snapshot.context.error
  return {
    authorizationUrl: snapshot.context.authorizationUrl ?? '',
    // A consent joined from another tab has no URL here: that tab sent the user.
    opensProvider: snapshot.matches('authorizing') && snapshot.context.consentOwner === input.wizardId && !!snapshot.context.authorizationUrl,
    binding: snapshot.context.pending?.binding,
  }
}

/** Waits for the session's consent to end, delivering the callback first when this wizard has it. */
export async function completeConsent(deps: WizardDeps, input: { call: PendingCall; callbackUrl: string | undefined }): Promise<void> {
  if (input.callbackUrl) {
    await deps.completeAuthorization(input.callbackUrl)
    return
  }
  const session = await deps.sessions.start(deps.target(input.call))
  const snapshot = await waitFor(session, (s) => s.matches('valid') || s.matches('consentFailed'), { timeout: Infinity })
  if (snapshot.matches('consentFailed')) throw snapshot.context.error
}

/** The call wizard's actors, as `GrantflowOptions.actors.wizard` receives and replaces them. */
export interface WizardActors {
  /** One attempt at the call with the session's current token. */
  attemptCall: PromiseActorLogic<AttemptOutcome, { call: PendingCall }>
  /** Renews the session's token (one refresh for every waiting call). */
  renewToken: PromiseActorLogic<AttemptOutcome, { call: PendingCall }>
  /** Prepares (or joins) the session's consent. */
  beginConsent: PromiseActorLogic<ConsentOpening, { call: PendingCall; consent: ConsentNeed; wizardId: string; interaction: Interaction }>
  /** Delivers the callback (when this wizard has it) and waits for the session's tokens. */
  completeConsent: PromiseActorLogic<void, { call: PendingCall; callbackUrl: string | undefined }>
  /** Tells the wizard how the session's consent goes while the user is at the provider. */
  watchSession: CallbackActorLogic<EventObject, { call: PendingCall }>
}

/** The call wizard's actors, implemented over the runtime's token sessions. */
export function wizardActorsFor(deps: WizardDeps): WizardActors {
  return {
    attemptCall: fromPromise<AttemptOutcome, { call: PendingCall }>(({ input }) => attemptCall(deps, input.call)),
    renewToken: fromPromise<AttemptOutcome, { call: PendingCall }>(({ input }) => renewToken(deps, input.call)),
    beginConsent: fromPromise<ConsentOpening, { call: PendingCall; consent: ConsentNeed; wizardId: string; interaction: Interaction }>(({ input }) =>
      beginConsent(deps, input),
    ),
    completeConsent: fromPromise<void, { call: PendingCall; callbackUrl: string | undefined }>(({ input }) => completeConsent(deps, input)),
    watchSession: fromCallback<EventObject, { call: PendingCall }>(({ sendBack, input }) => {
      const session = deps.sessions.for(deps.target(input.call))
      // Where the session is already (it may have moved on since the consent was prepared);
      // from here on, it says what happens.
      const now = session.getSnapshot()
      if (now.matches('exchangingCode')) sendBack({ type: 'CODE_EXCHANGE_STARTED' })
      else if (now.matches('valid')) sendBack({ type: 'SESSION_AUTHORIZED' })
      else if (now.matches('consentFailed')) sendBack({ type: 'CONSENT_FAILED', error: now.context.error })
      const listening = [
        session.on('exchangeStarted', () => sendBack({ type: 'CODE_EXCHANGE_STARTED' })),
        session.on('authorized', () => sendBack({ type: 'SESSION_AUTHORIZED' })),
        session.on('consentFailed', ({ error }) => sendBack({ type: 'CONSENT_FAILED', error })),
      ]
      return () => listening.forEach((subscription) => subscription.unsubscribe())
    }),
  }
}

/** The call wizard with the runtime's actors, decorated as the app asked. */
export function createWizardMachine(deps: WizardDeps, decorate?: (actors: WizardActors) => Partial<WizardActors>) {
  const actors = wizardActorsFor(deps)
  return callWizardMachine.provide({ actors: { ...actors, ...decorate?.(actors) } })
}

export type WizardMachine = ReturnType<typeof createWizardMachine>

/**
 * Opens the provider when a wizard that owns a consent starts waiting for the user: once per
 * consent (a retried wizard asks again with a new URL, new state and PKCE). A navigator that
 * fails (a blocked popup) abandons the consent, which fails the wizard with that error.
 */
export function driveNavigation(
  actor: ActorRefFrom<WizardMachine>,
  navigator: ConsentNavigator | undefined,
  abandon: (sessionKey: string, error: GrantflowError) => void,
  /** A restored wizard is already at the provider: its URL was opened before the redirect. */
  alreadyOpened?: string,
): void {
  let opened = alreadyOpened
  actor.subscribe((snapshot) => {
    const url = snapshot.context.authorizationUrl
    if (!url || url === opened || !snapshot.matches({ awaitingConsent: 'atProvider' }) || !snapshot.context.opensProvider) return
    opened = url
    const sessionKey = snapshot.context.consent!.sessionKey
    Promise.resolve()
      .then(() => navigator?.open(url, { sessionKey, saveWizard: () => actor.getPersistedSnapshot() }))
      .catch((error: GrantflowError) => abandon(sessionKey, error))
  })
}

/** The wizard's end (the promise API waits for it when its first attempt needed more than the token). */
export function wizardEnded(actor: ActorRefFrom<WizardMachine>) {
  return waitFor(actor, (s) => s.hasTag('ended'), { timeout: Infinity })
}
