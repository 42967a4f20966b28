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

/**
 * States the user takes part in: the wizard opens as a dialog for these. `calling` and
 * `refreshing` stay silent (a status line), so a refresh never interrupts the user.
 */
export const DIALOG_STATES: ReadonlySet<WizardStateName> = new Set(['unauthorized', 'awaitingConsent', 'exchangingCode', 'retrying', 'failed'])

/** States that work without the user: a status line, or progress in a dialog already open. */
export const SILENT_STATES: ReadonlySet<WizardStateName> = new Set(['calling', 'refreshing'])
