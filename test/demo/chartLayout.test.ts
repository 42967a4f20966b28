// The demo's chart is laid out by elkjs from the machines' definitions: every state gets a box and
// every transition a route, boxes of siblings never overlap, and a state added to a machine is drawn.
import { describe, expect, test } from 'vitest'
import { createMachine, type AnyStateMachine, type AnyStateNode } from 'xstate'
import { callWizardMachine, listTransitions, tokenSessionMachine } from 'grantflow/machines'
import { anyStateId, layoutChart, type ChartNode } from '../../src/demo/devtools/chartLayout.js'
import type { Point } from '../../src/demo/devtools/geometry.js'

function statesOf(node: AnyStateNode): AnyStateNode[] {
  return (Object.values(node.states) as AnyStateNode[]).flatMap((child) => [child, ...statesOf(child)])
}

const left = (n: ChartNode) => n.x - n.w / 2
const right = (n: ChartNode) => n.x + n.w / 2
const top = (n: ChartNode) => n.y - n.h / 2
const bottom = (n: ChartNode) => n.y + n.h / 2
const disjoint = (a: ChartNode, b: ChartNode) => right(a) <= left(b) || right(b) <= left(a) || bottom(a) <= top(b) || bottom(b) <= top(a)
const inside = (child: ChartNode, parent: ChartNode) =>
  left(child) >= left(parent) && right(child) <= right(parent) && top(child) >= top(parent) && bottom(child) <= bottom(parent)
/** On the box's outline, give or take a pixel (ELK ends routes on the border). */
const onBorder = (p: Point, n: ChartNode) =>
  p.x >= left(n) - 1 &&
  p.x <= right(n) + 1 &&
  p.y >= top(n) - 1 &&
  p.y <= bottom(n) + 1 &&
  Math.min(Math.abs(p.x - left(n)), Math.abs(p.x - right(n)), Math.abs(p.y - top(n)), Math.abs(p.y - bottom(n))) <= 1

async function expectLaidOut(machine: AnyStateMachine) {
  const chart = await layoutChart(machine)
  const byId = new Map(chart.nodes.map((node) => [node.id, node]))

  // Every state, nested ones too, has a box with a readable label, inside the chart and inside its parent.
  const states = statesOf(machine.root)
  for (const state of states) {
    const node = byId.get(state.id)
    expect(node, state.id).toBeDefined()
    expect(node!.label).toBe(state.key)
    expect(node!.w * node!.h).toBeGreaterThan(0)
    expect(left(node!)).toBeGreaterThanOrEqual(0)
    expect(top(node!)).toBeGreaterThanOrEqual(0)
    expect(right(node!)).toBeLessThanOrEqual(chart.width)
    expect(bottom(node!)).toBeLessThanOrEqual(chart.height)
    expect(node!.compound).toBe(Object.keys(state.states).length > 0)
    const parent = state.parent && state.parent !== machine.root ? byId.get(state.parent.id) : undefined
    if (parent) expect(inside(node!, parent), `${state.id} inside ${parent.id}`).toBe(true)
    else expect(node!.parent).toBeUndefined()
  }
  expect(chart.nodes.filter((node) => !node.anyState)).toHaveLength(states.length)

  // No two states with the same parent overlap.
  for (const [i, a] of chart.nodes.entries()) {
    for (const b of chart.nodes.slice(i + 1)) {
      if (a.parent === b.parent) expect(disjoint(a, b), `${a.id} and ${b.id} overlap`).toBe(true)
    }
  }

  // Every transition has a route from its source's border to its target's.
  const transitions = listTransitions(machine)
  expect(transitions.length).toBeGreaterThan(0)
  for (const t of transitions) {
    const from = t.source === machine.root.id ? anyStateId(machine) : t.source
    for (const target of t.targets.length ? t.targets : [t.source]) {
      const edge = chart.edges.find((e) => e.from === from && e.to === target)
      expect(edge, `${t.source} ${t.label} → ${target}`).toBeDefined()
      expect(edge!.labels).toContain(t.guard ? `${t.label} [${t.guard}]` : t.label)
      expect(edge!.points.length).toBeGreaterThanOrEqual(2)
      expect(onBorder(edge!.points[0]!, byId.get(from)!), `${edge!.key} starts on its source`).toBe(true)
      expect(onBorder(edge!.points.at(-1)!, byId.get(target)!), `${edge!.key} ends on its target`).toBe(true)
    }
  }
  return chart
}

describe('the demo chart layout', () => {
  test('lays out every state and transition of the call wizard, awaitingConsent with its states inside', async () => {
    const chart = await expectLaidOut(callWizardMachine)
    const box = chart.nodes.find((node) => node.label === 'awaitingConsent')!
    expect(box.compound).toBe(true)
    expect(chart.nodes.filter((node) => node.parent === box.id).map((node) => node.label)).toEqual(['openingProvider', 'atProvider'])
  })

  test("lays out every state and transition of the token session, the root's own from an 'any state' box", async () => {
    const chart = await expectLaidOut(tokenSessionMachine)
    const anyState = chart.nodes.find((node) => node.anyState)!
    expect(anyState.label).toBe('any state')
    expect(chart.edges.filter((edge) => edge.from === anyState.id).map((edge) => edge.to)).toEqual(['tokenSession.valid', 'tokenSession.revoking'])
  })

  test('a state added to a machine gets a box and its transitions routes', async () => {
    const config = callWizardMachine.config
    const states = config.states as Record<string, object & { on?: object }>
    const extended = createMachine({
      ...config,
      states: {
        ...states,
        calling: { ...states.calling, on: { ...states.calling!.on, PAUSE: { target: 'paused' } } },
        paused: { on: { RESUME: { target: 'calling' }, CANCEL: { target: 'cancelled' } } },
      },
    } as typeof config)
    const chart = await expectLaidOut(extended)
    const paused = chart.nodes.find((node) => node.id === 'callWizard.paused')
    expect(paused?.label).toBe('paused')
    expect(chart.edges.map((edge) => edge.key)).toEqual(
      expect.arrayContaining(['callWizard.calling>callWizard.paused', 'callWizard.paused>callWizard.calling', 'callWizard.paused>callWizard.cancelled']),
    )
  })
})
