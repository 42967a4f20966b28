import type { StateValue } from 'xstate'

/** A state value as one dotted path: `{ awaitingConsent: 'atProvider' }` → `awaitingConsent.atProvider`. */
export function statePath(value: StateValue): string {
  if (typeof value === 'string') return value
  const [parent, child] = Object.entries(value)[0] ?? []
  return parent === undefined ? '' : child ? `${parent}.${statePath(child)}` : parent
}
