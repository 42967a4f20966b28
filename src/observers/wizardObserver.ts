import type { ConsentNeed } from '../../machines/callWizard.js'
import type { GrantflowError } from '../errors.js'
import type { WizardActor } from '../runtime/types.js'
import { statePath } from './statePath.js'

/** What an app shows of one call's wizard. */
export interface WizardView {
  /** The wizard snapshot's value (`'idle'` before the first call), e.g. `{ awaitingConsent: 'atProvider' }`. */
  state: string | Record<string, unknown>
  /** The same state as one dotted path: `'awaitingConsent.atProvider'`. */
  status: string
  result: unknown
  error: GrantflowError | undefined
  /** What consent the call needs (in `unauthorized` and after). */
  consent: ConsentNeed | undefined
}

/** One call's wizard followed for a view, in the shape `useSyncExternalStore` takes. */
export interface WizardObserver {
  subscribe(listener: () => void): () => void
  /** The same object until something the view shows changed. */
  getSnapshot(): WizardView
}

const IDLE: WizardView = { state: 'idle', status: 'idle', result: undefined, error: undefined, consent: undefined }

/**
 * Follows a call's wizard (or none yet: idle) for a view: subscribes to it while someone
 * listens, and gives a new view only when its state, result, error or consent changed.
 *
 * @example
 * const observer = createWizardObserver(wizard)
 * const view = useSyncExternalStore(observer.subscribe, observer.getSnapshot)
 */
export function createWizardObserver(wizard: WizardActor | undefined): WizardObserver {
  let view = wizard ? viewOf(wizard) : IDLE
  const refresh = () => {
    const next = wizard ? viewOf(wizard) : IDLE
    const same = next.status === view.status && next.result === view.result && next.error === view.error && next.consent === view.consent
    if (!same) view = next
    return !same
  }
  return {
    subscribe(listener) {
      const subscription = wizard?.subscribe(() => refresh() && listener())
      // Moved between the first render and the subscription: shown at once.
      if (refresh()) listener()
      return () => subscription?.unsubscribe()
    },
    getSnapshot: () => view,
  }
}

function viewOf(wizard: WizardActor): WizardView {
  const { value, context } = wizard.getSnapshot()
  return { state: value as WizardView['state'], status: statePath(value), result: context.result, error: context.error, consent: context.consent }
}
