import type { AnyStateMachine, InspectionEvent } from 'xstate'
import { listTransitions, transitionKey } from '../../../machines/diagram.js'

/** A transition a microstep took, as XState's inspection reports it (its definition object). */
interface TakenTransition {
  source: { id: string; always?: unknown[]; transitions: Map<string, unknown[]> }
  eventType: string
}

/** The keys (see transitionKey) of the declared transitions a microstep inspection event took. */
export function transitionsTaken(machine: AnyStateMachine, event: InspectionEvent): string[] {
  if (event.type !== '@xstate.microstep') return []
  const keys: string[] = []
  for (const t of (event as unknown as { _transitions: TakenTransition[] })._transitions) {
    if (!t.source.id.startsWith(machine.id)) continue
    const list = t.eventType === '' ? (t.source.always ?? []) : (t.source.transitions.get(t.eventType) ?? [])
    keys.push(transitionKey({ source: t.source.id, eventType: t.eventType, index: list.indexOf(t) }))
  }
  return keys
}

/** Counts which of a machine's declared transitions the running actors actually took. */
export function createCoverage(machine: AnyStateMachine, noun = 'transitions') {
  const declared = new Set(listTransitions(machine).map(transitionKey))
  const taken = new Set<string>()
  const add = (key: string) => {
    if (declared.has(key)) taken.add(key)
  }
  return {
    /** Pass as an actor's (or grantflow's) `inspect`. */
    inspect: (event: InspectionEvent) => transitionsTaken(machine, event).forEach(add),
    /** Counts transitions known to have been taken (a scenario walked in another process). */
    add: (keys: Iterable<string>) => [...keys].forEach(add),
    taken,
    declared,
    missing: () => [...declared].filter((k) => !taken.has(k)),
    summary: () => `${machine.id}: ${taken.size}/${declared.size} ${noun} covered`,
  }
}
