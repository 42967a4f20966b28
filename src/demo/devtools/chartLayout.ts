// Where the call wizard's states sit in the demo's chart. The states and transitions themselves
// come from the machine's definition (listTransitions); only the placement is chosen here. A
// state added to the machine without a place is drawn in a row at the bottom.
import type { AnyStateMachine, AnyStateNode } from 'xstate'
import { listTransitions } from 'grantflow/machines'

export interface ChartNode {
  id: string
  label: string
  x: number
  y: number
  w: number
  h: number
  compound: boolean
  final: boolean
}

export interface ChartEdge {
  key: string
  from: string
  to: string
  labels: string[]
}

export const NODE_W = 132
export const NODE_H = 34
export const CHART_W = 620
export const CHART_H = 640

/** Centres of the leaf states and boxes of the compound ones, by state key. */
const PLACES: Record<string, { x: number; y: number; w?: number; h?: number }> = {
  idle: { x: 310, y: 30 },
  calling: { x: 310, y: 106 },
  refreshing: { x: 510, y: 106 },
  unauthorized: { x: 310, y: 192 },
  awaitingConsent: { x: 310, y: 296, w: 330, h: 104 },
  openingProvider: { x: 228, y: 308 },
  atProvider: { x: 392, y: 308 },
  exchangingCode: { x: 310, y: 404 },
  retrying: { x: 310, y: 484 },
  succeeded: { x: 310, y: 592 },
  failed: { x: 540, y: 404 },
  cancelled: { x: 80, y: 404 },
}

/** Control points for edges that would cross a state if drawn straight, by "from>to" keys. */
export const ROUTES: Record<string, { x: number; y: number }> = {
  'calling>succeeded': { x: 40, y: 330 },
  'calling>failed': { x: 560, y: 200 },
  'failed>calling': { x: 640, y: 160 },
  'calling>refreshing': { x: 410, y: 90 },
  'refreshing>calling': { x: 410, y: 124 },
  'unauthorized>cancelled': { x: 60, y: 200 },
  'atProvider>retrying': { x: 470, y: 430 },
  'failed>cancelled': { x: 310, y: 680 },
  'openingProvider>failed': { x: 330, y: 380 },
  'retrying>failed': { x: 470, y: 470 },
  'refreshing>failed': { x: 560, y: 260 },
}

function allNodes(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states).flatMap((child) => [child as AnyStateNode, ...allNodes(child as AnyStateNode)])
}

/** The chart of a machine: its states placed, and its transitions merged per pair of states. */
export function chartOf(machine: AnyStateMachine): { nodes: ChartNode[]; edges: ChartEdge[] } {
  let spare = 0
  const nodes = allNodes(machine.root).map((node): ChartNode => {
    const compound = Object.keys(node.states).length > 0
    const place = PLACES[node.key] ?? { x: 80 + 150 * spare++, y: CHART_H - 20 }
    return {
      id: node.id,
      label: node.key,
      x: place.x,
      y: place.y,
      w: place.w ?? NODE_W,
      h: place.h ?? NODE_H,
      compound,
      final: node.type === 'final',
    }
  })
  const byPair = new Map<string, ChartEdge>()
  for (const t of listTransitions(machine)) {
    for (const target of t.targets.length ? t.targets : [t.source]) {
      if (t.source === machine.root.id) continue
      const key = `${t.source}>${target}`
      const label = t.guard ? `${t.label} [${t.guard}]` : t.label
      const edge = byPair.get(key) ?? { key, from: t.source, to: target, labels: [] }
      if (!edge.labels.includes(label)) edge.labels.push(label)
      byPair.set(key, edge)
    }
  }
  return { nodes, edges: [...byPair.values()] }
}

/** The last part of a state id: `callWizard.awaitingConsent.atProvider` → `atProvider`. */
export function keyOf(id: string): string {
  return id.slice(id.lastIndexOf('.') + 1)
}
