// Follows the running wizards and token sessions through XState's inspection events (the same
// events the Stately inspector gets): the event log's entries and "the wizard to draw".
import type { AnyActorRef, InspectionEvent } from 'xstate'
import type { Timeline } from './timeline.js'

interface MachineSnapshotLike {
  value: unknown
  machine?: { id: string }
  context?: { key?: string; error?: { code?: string } }
}

/** A state value as one dotted path. */
export function pathOf(value: unknown): string {
  if (typeof value === 'string') return value
  if (!value || typeof value !== 'object') return ''
  const [parent, child] = Object.entries(value)[0] ?? []
  return parent === undefined ? '' : child ? `${parent}.${pathOf(child)}` : parent
}

/** An XState event type as a reader would say it: `xstate.done.actor.attemptCall` → `done: attemptCall`. */
export function readableEvent(type: string): string {
  if (type === 'xstate.init') return 'start'
  const match = /^xstate\.(done|error)\.actor\.(.+)$/.exec(type)
  if (match) return `${match[1]}: ${match[2]}`
  const after = /^xstate\.after\.([^.]+)\./.exec(type)
  return after ? `after ${after[1]}` : type
}

/** "vat/sandbox/company%3Aacme-trading" → "VAT · sandbox". */
function sessionLabel(key: string | undefined): string {
  if (!key) return 'Session'
  const [api, environment] = key.split('/').map(decodeURIComponent)
  const names: Record<string, string> = { vat: 'HMRC VAT', accounting: 'Odoo' }
  return `Session · ${names[api ?? ''] ?? api}${environment && environment !== 'production' ? ` (${environment})` : ''}`
}

export interface Inspector {
  inspect(event: InspectionEvent): void
  /** The wizard that last did something: the one the state chart draws. */
  currentWizard(): AnyActorRef | undefined
  /** The token session that last did something: the one the session chart draws. */
  currentSession(): AnyActorRef | undefined
  subscribe(listener: () => void): () => void
}

export function createInspector(timeline: Timeline): Inspector {
  let current: AnyActorRef | undefined
  let currentSession: AnyActorRef | undefined
  const listeners = new Set<() => void>()
  const numbers = new WeakMap<AnyActorRef, number>()
  const lastState = new WeakMap<AnyActorRef, string>()
  let count = 0

  const restored = new WeakSet<AnyActorRef>()
  const wizardName = (actor: AnyActorRef, state: string) => {
    let n = numbers.get(actor)
    if (n === undefined) {
      numbers.set(actor, (n = ++count))
      // A wizard first seen past its start was restored (resumeWizard, after a redirect).
      if (state !== 'idle' && state !== 'calling') restored.add(actor)
    }
    return `Wizard ${n}${restored.has(actor) ? ' (restored)' : ''}`
  }

  return {
    inspect(event) {
      if (event.type !== '@xstate.snapshot' || event.actorRef.sessionId !== event.rootId) return
      const snapshot = event.snapshot as unknown as MachineSnapshotLike
      // Inspection gives actor-like refs; the root actors here are full actors.
      const actor = event.actorRef as AnyActorRef
      const machine = snapshot.machine?.id
      if (machine !== 'callWizard' && machine !== 'tokenSession') return
      const state = pathOf(snapshot.value)
      const moved = lastState.get(actor) !== state
      lastState.set(actor, state)
      const followed = machine === 'callWizard' ? current : currentSession
      // A session's context-only updates (a token stored, a timer reset) do not make it the one drawn: a move does.
      if (followed !== actor && (machine === 'callWizard' || moved)) {
        if (machine === 'callWizard') current = actor
        else currentSession = actor
        // Possibly inside a render: the chart hears of it after.
        queueMicrotask(() => listeners.forEach((listener) => listener()))
      }
      // Context-only updates are left out; events from outside are kept even when they change nothing.
      const external = !event.event.type.startsWith('xstate.')
      if (!moved && !external) return
      const failed = state === 'failed' || state === 'consentFailed' || state === 'expired' || state === 'unavailable'
      timeline.add({
        source: machine === 'callWizard' ? 'wizard' : 'session',
        actor: machine === 'callWizard' ? wizardName(actor, state) : sessionLabel(snapshot.context?.key),
        what: readableEvent(event.event.type),
        outcome: moved ? state : `${state} (unchanged)`,
        ...(failed ? { tone: 'bad' as const } : state === 'succeeded' || state === 'valid' ? { tone: 'good' as const } : {}),
      })
    },
    currentWizard: () => current,
    currentSession: () => currentSession,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
