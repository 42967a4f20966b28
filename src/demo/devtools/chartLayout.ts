// The demo's chart of a machine, drawn from its definition alone: the states (nested ones inside
// their parent's box) and the transitions come from the machine object, and elkjs's layered
// algorithm places them. Nothing is placed by hand, so a state added to a machine finds its place.
import type { ELK, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk.bundled.js'
import type { AnyStateMachine, AnyStateNode } from 'xstate'
import { listTransitions } from 'grantflow/machines'
import type { Point } from './geometry.js'

export interface ChartNode {
  id: string
  label: string
  /** The box's centre. */
  x: number
  y: number
  w: number
  h: number
  compound: boolean
  final: boolean
  /** The stand-in for "whatever state the machine is in": the source of the root's own transitions. */
  anyState: boolean
  /** The compound state this one is drawn inside, if any. */
  parent?: string
}

export interface ChartEdge {
  key: string
  from: string
  to: string
  labels: string[]
  /** The route, in chart coordinates, from the source's border to the target's. */
  points: Point[]
}

export interface Chart {
  width: number
  height: number
  nodes: ChartNode[]
  edges: ChartEdge[]
}

const NODE_W = 132
const NODE_H = 34
/** About one character of the chart's 12.5px monospace labels, so a long state name fits its box. */
const CHAR_W = 7.8
const MARGIN = 12

/** The id of the "any state" stand-in of a machine. */
export function anyStateId(machine: AnyStateMachine): string {
  return `${machine.root.id}.*`
}

function childrenOf(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states) as AnyStateNode[]
}

/** A machine's transitions merged per pair of states, with the root's own ones from the "any state" stand-in. */
export function edgesOf(machine: AnyStateMachine): Array<Omit<ChartEdge, 'points'>> {
  const byPair = new Map<string, Omit<ChartEdge, 'points'>>()
  for (const t of listTransitions(machine)) {
    const from = t.source === machine.root.id ? anyStateId(machine) : t.source
    // A transition without a target stays where it is (it runs actions): a loop on its state.
    for (const target of t.targets.length ? t.targets : [t.source]) {
      const key = `${from}>${target}`
      const label = t.guard ? `${t.label} [${t.guard}]` : t.label
      const edge = byPair.get(key) ?? { key, from, to: target, labels: [] }
      if (!edge.labels.includes(label)) edge.labels.push(label)
      byPair.set(key, edge)
    }
  }
  return [...byPair.values()]
}

const boxWidth = (label: string) => Math.max(NODE_W, Math.ceil(label.length * CHAR_W) + 28)

function elkNodeOf(node: AnyStateNode): ElkNode {
  const children = childrenOf(node)
  if (!children.length) return { id: node.id, width: boxWidth(node.key), height: NODE_H }
  return {
    id: node.id,
    // Room at the top for the compound state's name.
    layoutOptions: { 'elk.padding': '[top=34,left=16,bottom=16,right=16]' },
    children: children.map(elkNodeOf),
  }
}

const LAYOUT = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  // One layout across nesting levels, so a transition into or out of a compound state is routed too.
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.spacing.nodeNode': '28',
  'elk.layered.spacing.nodeNodeBetweenLayers': '40',
  'elk.spacing.edgeNode': '16',
  'elk.spacing.edgeEdge': '10',
  'elk.layered.spacing.edgeNodeBetweenLayers': '16',
  'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
  // The definition's order decides which transitions point back: the chart reads from the initial state down.
  'elk.layered.cycleBreaking.strategy': 'MODEL_ORDER',
}

let sharedElk: Promise<ELK> | undefined
// elkjs is most of the demo's weight: loaded apart, once, so the app shows before the chart is laid out.
const loadElk = () => (sharedElk ??= import('elkjs/lib/elk.bundled.js').then(({ default: Elk }) => new Elk()))

/**
 * What elkjs is given for a machine: its states, sized, and its transitions, with the layout's
 * options. The chart is a function of this alone (ELK's layered algorithm is deterministic), so it
 * also names a laid-out chart that can be kept (chartCache.ts).
 */
export function elkGraphOf(machine: AnyStateMachine): ElkNode {
  const edges = edgesOf(machine)
  const roots: ElkNode[] = childrenOf(machine.root).map(elkNodeOf)
  const anyState = anyStateId(machine)
  if (edges.some((edge) => edge.from === anyState)) roots.unshift({ id: anyState, width: boxWidth('any state'), height: NODE_H })
  return {
    id: machine.root.id,
    layoutOptions: LAYOUT,
    children: roots,
    edges: edges.map((edge): ElkExtendedEdge => ({ id: edge.key, sources: [edge.from], targets: [edge.to] })),
  }
}

/** The chart of a machine: its states and transitions, laid out by elkjs. */
export async function layoutChart(machine: AnyStateMachine, elk?: ELK): Promise<Chart> {
  const edges = edgesOf(machine)
  const states = childrenOf(machine.root)
  const anyState = anyStateId(machine)
  const graph: ElkNode = await (elk ?? (await loadElk())).layout(elkGraphOf(machine))

  // ELK gives each node's position relative to its parent and each edge's relative to its container.
  const origin = new Map<string, Point>([[graph.id, { x: 0, y: 0 }]])
  const nodes: ChartNode[] = []
  const finals = new Set(
    (function collect(list: AnyStateNode[]): string[] {
      return list.flatMap((node) => [...(node.type === 'final' ? [node.id] : []), ...collect(childrenOf(node))])
    })(states),
  )
  const visit = (node: ElkNode, parent: ElkNode) => {
    const base = origin.get(parent.id)!
    const x = base.x + (node.x ?? 0)
    const y = base.y + (node.y ?? 0)
    origin.set(node.id, { x, y })
    const w = node.width ?? 0
    const h = node.height ?? 0
    nodes.push({
      id: node.id,
      label: node.id === anyState ? 'any state' : node.id.slice(node.id.lastIndexOf('.') + 1),
      x: MARGIN + x + w / 2,
      y: MARGIN + y + h / 2,
      w,
      h,
      compound: Boolean(node.children?.length),
      final: finals.has(node.id),
      anyState: node.id === anyState,
      ...(parent.id !== graph.id && { parent: parent.id }),
    })
    node.children?.forEach((child) => visit(child, node))
  }
  graph.children?.forEach((child) => visit(child, graph))

  const routes = new Map<string, Point[]>()
  const collectEdges = (node: ElkNode) => {
    for (const edge of node.edges ?? []) {
      const base = origin.get((edge as { container?: string }).container ?? node.id) ?? { x: 0, y: 0 }
      const at = (p: Point) => ({ x: MARGIN + base.x + p.x, y: MARGIN + base.y + p.y })
      const points = (edge.sections ?? []).flatMap((section) => [section.startPoint, ...(section.bendPoints ?? []), section.endPoint].map(at))
      routes.set(edge.id, points)
    }
    node.children?.forEach(collectEdges)
  }
  collectEdges(graph)

  return {
    width: Math.ceil((graph.width ?? 0) + 2 * MARGIN),
    height: Math.ceil((graph.height ?? 0) + 2 * MARGIN),
    nodes,
    edges: edges.map((edge) => ({ ...edge, points: routes.get(edge.key) ?? [] })),
  }
}

/** The last part of a state id: `callWizard.awaitingConsent.atProvider` → `atProvider`. */
export function keyOf(id: string): string {
  return id.slice(id.lastIndexOf('.') + 1)
}
