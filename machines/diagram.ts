import type { AnyStateMachine, AnyStateNode } from 'xstate'

/** One transition as the definition declares it: what the diagram draws and the tests count. */
export interface TransitionInfo {
  /** The source state's id, e.g. `callWizard.awaitingConsent.atProvider`. */
  source: string
  /** What happened, readable: `CALL`, `done: attemptCall`, `after consentTimeout`, `always`. */
  label: string
  /** The raw event type (`xstate.done.actor.attemptCall`, `` for always). */
  eventType: string
  guard?: string
  targets: string[]
  /** Position among the source's transitions for this event, to tell guarded branches apart. */
  index: number
}

function readable(eventType: string): string {
  if (eventType === '') return 'always'
  const done = /^xstate\.done\.actor\.(.+)$/.exec(eventType)
  if (done) return `done: ${done[1]}`
  const error = /^xstate\.error\.actor\.(.+)$/.exec(eventType)
  if (error) return `error: ${error[1]}`
  const after = /^xstate\.after\.([^.]+)\./.exec(eventType)
  if (after) return `after ${after[1]}`
  return eventType
}

function allNodes(node: AnyStateNode): AnyStateNode[] {
  return [node, ...Object.values(node.states).flatMap((child) => allNodes(child as AnyStateNode))]
}

/** Every transition in a machine's definition, in document order. */
export function listTransitions(machine: AnyStateMachine): TransitionInfo[] {
  const list: TransitionInfo[] = []
  for (const node of allNodes(machine.root)) {
    const groups: Array<[string, ReadonlyArray<{ target?: ReadonlyArray<AnyStateNode> | undefined; guard?: unknown }>]> = [
      ...[...node.transitions.entries()],
      ...(node.always?.length ? [['', node.always] as [string, typeof node.always]] : []),
    ]
    for (const [eventType, transitions] of groups) {
      transitions.forEach((transition, index) => {
        const guard = transition.guard as { type?: string } | string | undefined
        const guardName = typeof guard === 'string' ? guard : guard?.type
        list.push({
          source: node.id,
          label: readable(eventType),
          eventType,
          ...(guardName && { guard: guardName }),
          targets: (transition.target ?? []).map((target) => target.id),
          index,
        })
      })
    }
  }
  return list
}

/** A transition's identity for coverage counting. */
export function transitionKey(t: Pick<TransitionInfo, 'source' | 'eventType' | 'index'>): string {
  return `${t.source} ${t.eventType} #${t.index}`
}

const mermaidId = (id: string) => id.replaceAll('.', '_')

/**
 * A Mermaid state diagram drawn from the machine's own definition, so the picture cannot drift
 * from the code (a test compares it with the README).
 */
export function toMermaid(machine: AnyStateMachine): string {
  const lines = ['stateDiagram-v2']
  const transitions = listTransitions(machine)

  const declare = (node: AnyStateNode, indent: string) => {
    const children = Object.values(node.states) as AnyStateNode[]
    const initial = node.initial?.target?.[0]
    if (node !== machine.root && children.length) lines.push(`${indent}state ${mermaidId(node.id)} {`)
    const inner = node === machine.root ? indent : `${indent}  `
    if (initial) lines.push(`${inner}[*] --> ${mermaidId(initial.id)}`)
    for (const child of children) {
      if (Object.keys(child.states).length) declare(child, inner)
      else {
        lines.push(`${inner}state "${child.key}" as ${mermaidId(child.id)}`)
        if (child.type === 'final') lines.push(`${inner}${mermaidId(child.id)} --> [*]`)
      }
    }
    if (node !== machine.root && children.length) lines.push(`${indent}}`)
  }
  declare(machine.root, '  ')

  // Transitions declared on the machine itself apply in every state: drawn from one "any state" box.
  const anyState = `${mermaidId(machine.root.id)}_anyState`
  if (transitions.some((t) => t.source === machine.root.id)) lines.push(`  state "any state" as ${anyState}`)
  for (const t of transitions) {
    // A transition with no target changes context only: drawn as a loop.
    for (const target of t.targets.length ? t.targets : [t.source]) {
      const label = t.guard ? `${t.label} [${t.guard}]` : t.label
      const from = t.source === machine.root.id ? anyState : mermaidId(t.source)
      lines.push(`  ${from} --> ${mermaidId(target)}: ${label}`)
    }
  }
  return lines.join('\n')
}
