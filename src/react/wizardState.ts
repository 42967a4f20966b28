import type { SnapshotFrom } from 'xstate'
import { statePath } from '../observers/statePath.js'
import type { WizardActor } from '../runtime/createGrantflow.js'

export { statePath }

export type WizardSnapshot = SnapshotFrom<WizardActor>

/** The call wizard's top-level states, as the machine names them. */
export type WizardStateName =
  | 'idle'
  | 'calling'
  | 'refreshing'
  | 'unauthorized'
  | 'awaitingConsent'
  | 'exchangingCode'
  | 'retrying'
  | 'succeeded'
  | 'failed'
  | 'consentRequired'
  | 'cancelled'

/** The top-level state of a wizard snapshot. */
export function topState(snapshot: WizardSnapshot): WizardStateName {
  return statePath(snapshot.value).split('.')[0] as WizardStateName
}
