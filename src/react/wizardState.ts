import type { SnapshotFrom, StateValue } from 'xstate'
import type { WizardActor } from '../runtime/createGrantflow.js'

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

/** A state value as one dotted path: `{ awaitingConsent: 'atProvider' }` → `awaitingConsent.atProvider`. */
export function statePath(value: StateValue): string {
  if (typeof value === 'string') return value
  const [parent, child] = Object.entries(value)[0] ?? []
  return parent === undefined ? '' : child ? `${parent}.${statePath(child)}` : parent
}

/** The top-level state of a wizard snapshot. */
export function topState(snapshot: WizardSnapshot): WizardStateName {
  return statePath(snapshot.value).split('.')[0] as WizardStateName
}
