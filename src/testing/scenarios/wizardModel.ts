// The call wizard as a model: what can happen in each of its states. The model-based tests
// (test/model) and the exported scenarios both traverse the wizard's graph with these events.
import type { EventObject } from 'xstate'
import { callWizardMachine, type AttemptOutcome, type ConsentNeed } from '../../../machines/callWizard.js'
import { ConsentRequiredError } from '../../errors.js'
import type { PendingCall } from '../../model/session.js'
import { doneEvent, errorEvent } from './paths.js'

type WizardSnapshot = ReturnType<typeof callWizardMachine.getInitialSnapshot>

/** The three outcomes of an attempt that are not a success, for one consent need. */
export function attemptOutcomes(need: ConsentNeed): Record<'consentNeeded' | 'renewalNeeded' | 'tokenStale', AttemptOutcome> {
  const consentNeeded: AttemptOutcome = { kind: 'consentNeeded', need, error: new ConsentRequiredError(need) }
  return { consentNeeded, renewalNeeded: { ...consentNeeded, kind: 'renewalNeeded' }, tokenStale: { ...consentNeeded, kind: 'tokenStale' } }
}

/** The events that can happen in each state of the wizard, for this call and its consent need. */
export function wizardEvents(call: PendingCall, need: ConsentNeed): (snapshot: WizardSnapshot) => Array<EventObject & Record<string, unknown>> {
  const { consentNeeded, renewalNeeded, tokenStale } = attemptOutcomes(need)
  return (snapshot) => {
    const at = (state: Parameters<typeof snapshot.matches>[0]) => snapshot.matches(state)
    if (at('idle')) return [{ type: 'CALL', call }]
    if (at('calling'))
      return [
        doneEvent('attemptCall', { kind: 'succeeded', value: {} }),
        doneEvent('attemptCall', tokenStale),
        doneEvent('attemptCall', renewalNeeded),
        doneEvent('attemptCall', consentNeeded),
        errorEvent('attemptCall'),
      ]
    if (at('refreshing'))
      return [doneEvent('renewToken', { kind: 'succeeded', value: undefined }), doneEvent('renewToken', consentNeeded), errorEvent('renewToken')]
    if (at('unauthorized')) return [{ type: 'CONSENT_ACCEPTED' }, { type: 'CANCEL' }]
    if (at({ awaitingConsent: 'openingProvider' }))
      return [doneEvent('beginConsent', { authorizationUrl: 'url', opensProvider: true }), errorEvent('beginConsent'), { type: 'CANCEL' }]
    if (at({ awaitingConsent: 'atProvider' }))
      return [
        { type: 'CALLBACK_RECEIVED', callbackUrl: 'url' },
        { type: 'CODE_EXCHANGE_STARTED' },
        { type: 'SESSION_AUTHORIZED' },
        { type: 'CONSENT_FAILED', error: {} },
        { type: 'xstate.after.consentTimeout.callWizard.awaitingConsent.atProvider' },
        { type: 'CANCEL' },
      ]
    if (at('exchangingCode')) return [doneEvent('completeConsent'), errorEvent('completeConsent')]
    if (at('retrying'))
      return [
        doneEvent('attemptCall', { kind: 'succeeded', value: {} }),
        doneEvent('attemptCall', tokenStale),
        doneEvent('attemptCall', renewalNeeded),
        errorEvent('attemptCall'),
      ]
    if (at('failed') || at('consentRequired')) return [{ type: 'RETRY' }, { type: 'CANCEL' }]
    return []
  }
}

/** A wizard state's identity in the graph: its value, and whether this attempt renewed its token already. */
export function serializeWizardState(snapshot: WizardSnapshot): string {
  return `${JSON.stringify(snapshot.value)}${snapshot.context.renewed ? ' renewed' : ''}`
}
