import { createActor, fromCallback, fromPromise, type StateValue } from 'xstate'
import { callWizardMachine, type AttemptOutcome, type CallWizardContext, type ConsentNeed, type ConsentOpening } from '../../machines/index.js'
import { ConsentRequiredError, type WizardActor } from '../../src/index.js'

export const call = { api: 'vat', endpoint: 'submitReturn', params: { vrn: '123456789' }, body: { periodKey: '#001' } }
export const need: ConsentNeed = {
  provider: { id: 'hmrc', name: 'HM Revenue & Customs' },
  api: { id: 'vat', name: 'VAT (Making Tax Digital)' },
  scopes: ['read:vat', 'write:vat'],
  reason: 'no_session',
  sessionKey: 'vat/sandbox/company%3Aacme',
}

/** Steps that never finish: a wizard put in a state stays there until the test sends an event. */
const never = <T>() => new Promise<T>(() => {})
const machine = callWizardMachine.provide({
  actors: {
    attemptCall: fromPromise(() => never<AttemptOutcome>()),
    renewToken: fromPromise(() => never<AttemptOutcome>()),
    beginConsent: fromPromise(() => never<ConsentOpening>()),
    completeConsent: fromPromise(() => never<void>()),
    watchSession: fromCallback(() => () => {}),
  },
})

/** A call wizard already in `value`, with the given context, as the views would receive it. */
export function wizardIn(value: StateValue, context: Partial<CallWizardContext> = {}): WizardActor {
  const snapshot = machine.resolveState({
    value,
    context: {
      call,
      firstAttempt: undefined,
      interaction: 'guided',
      wizardId: 'w1',
      result: undefined,
      error: undefined,
      consent: need,
      authorizationUrl: undefined,
      opensProvider: false,
      callbackUrl: undefined,
      renewed: false,
      ...context,
    },
  })
  return createActor(machine, { snapshot, input: {} }).start() as unknown as WizardActor
}

export const consentRequired = new ConsentRequiredError(need)
