import { useSelector } from '@xstate/react'
import { useEffect, useState, useSyncExternalStore } from 'react'
import type { AnyActorRef, AnyStateMachine } from 'xstate'
import { callWizardMachine, tokenSessionMachine } from 'grantflow/machines'
import { getDemo } from '../demo.js'
import { laidOutChart } from './chartCache.js'
import { anyStateId, keyOf, type Chart, type ChartEdge, type ChartNode } from './chartLayout.js'
import { routeMiddle, routePath } from './geometry.js'
import { pathOf } from './inspector.js'

// Laid out once per machine, on first sight: the definition does not change while the demo runs.
// Kept in the tab's sessionStorage too, so a redirect back shows it at once (chartCache.ts).
const layouts = new Map<AnyStateMachine, Promise<Chart>>()
function chartFor(machine: AnyStateMachine): Promise<Chart> {
  let chart = layouts.get(machine)
  if (!chart) layouts.set(machine, (chart = laidOutChart(machine, sessionStorageOrNone())))
  return chart
}

/** The tab's sessionStorage, or none where reading it throws (storage blocked by the browser). */
function sessionStorageOrNone(): Storage | undefined {
  try {
    return window.sessionStorage
  } catch {
    return undefined
  }
}

function useChart(machine: AnyStateMachine): Chart | undefined {
  const [chart, setChart] = useState<Chart>()
  useEffect(() => {
    let live = true
    void chartFor(machine).then((laidOut) => live && setChart(laidOut))
    return () => {
      live = false
    }
  }, [machine])
  return chart
}

/** The ids a state path is in: `awaitingConsent.atProvider` → the box and the leaf. */
function activeIds(root: string, path: string | undefined): Set<string> {
  const ids = new Set<string>()
  if (!path) return ids
  const parts = path.split('.')
  parts.forEach((_, i) => ids.add(`${root}.${parts.slice(0, i + 1).join('.')}`))
  return ids
}

interface MachineChartProps {
  machine: AnyStateMachine
  actor: AnyActorRef | undefined
  title: string
  /**
   * The class each state's group carries. The wizard's is `chart-node`, the name the demo's browser
   * tests read its lit state by; the session's is another, so those tests see the wizard's alone.
   */
  nodeClassName: string
  waiting: string
}

/**
 * A machine as its definition draws it, with the running actor's state lit, the states it went
 * through tinted, the transition it last took marked and the ones it can take next labelled.
 */
function MachineChart({ machine, actor, title, nodeClassName, waiting }: MachineChartProps) {
  const root = machine.root.id
  const chart = useChart(machine)
  const path = useSelector(actor, (s) => (s ? pathOf((s as { value: unknown }).value) : undefined))

  // The run so far, for this actor: states visited and the previous state.
  const [run, setRun] = useState<{ actor: unknown; visited: string[]; previous?: string; current?: string }>({ actor: undefined, visited: [] })
  useEffect(() => {
    setRun((r) => {
      if (r.actor !== actor) return { actor, visited: path ? [path] : [], current: path }
      if (!path || r.current === path) return r
      return { actor, visited: [...new Set([...r.visited, path])], previous: r.current, current: path }
    })
  }, [actor, path])

  const current = activeIds(root, path)
  const previous = activeIds(root, run.actor === actor ? run.previous : undefined)
  const visited = new Set(run.visited.flatMap((p) => [...activeIds(root, p)]))
  const edges = chart?.edges ?? []
  const outgoing = edges.filter((edge) => current.has(edge.from))
  // The root's own transitions can be taken from whatever state the actor is in.
  const fromAnyState = path ? edges.filter((edge) => edge.from === anyStateId(machine)) : []
  const isTaken = (edge: ChartEdge) => previous.has(edge.from) && current.has(edge.to) && !previous.has(edge.to)

  const nodeClass = (node: ChartNode) =>
    [
      nodeClassName,
      node.compound && 'is-compound',
      node.final && 'is-final',
      node.anyState && 'is-any-state',
      current.has(node.id) && 'is-current',
      visited.has(node.id) && 'is-visited',
    ]
      .filter(Boolean)
      .join(' ')

  return (
    <figure className="chart">
      <h3 className="chart-title">{title}</h3>
      {chart ? (
        <svg viewBox={`0 0 ${chart.width} ${chart.height}`} role="img" aria-label={`${title} state chart${path ? `, now in ${path}` : ''}`}>
          <defs>
            {['idle', 'next', 'taken'].map((kind) => (
              <marker
                key={kind}
                id={`${root}-arrow-${kind}`}
                viewBox="0 0 10 10"
                refX="9"
                refY="5"
                markerWidth="7"
                markerHeight="7"
                orient="auto-start-reverse"
              >
                <path d="M0,0 L10,5 L0,10 z" className={`arrow-${kind}`} />
              </marker>
            ))}
          </defs>
          {chart.nodes
            .filter((node) => node.compound)
            .map((node) => (
              <g key={node.id} className={nodeClass(node)}>
                <rect x={node.x - node.w / 2} y={node.y - node.h / 2} width={node.w} height={node.h} rx={14} />
                <text x={node.x - node.w / 2 + 12} y={node.y - node.h / 2 + 20} className="chart-compound-label">
                  {node.label}
                </text>
              </g>
            ))}
          {edges.map((edge) => {
            if (edge.points.length < 2) return null
            const kind = isTaken(edge) ? 'taken' : current.has(edge.from) ? 'next' : 'idle'
            return <path key={edge.key} d={routePath(edge.points)} className={`chart-edge is-${kind}`} markerEnd={`url(#${root}-arrow-${kind})`} />
          })}
          {chart.nodes
            .filter((node) => !node.compound)
            .map((node) => (
              <g key={node.id} className={nodeClass(node)}>
                <rect x={node.x - node.w / 2} y={node.y - node.h / 2} width={node.w} height={node.h} rx={node.h / 2} />
                {node.final && (
                  <rect
                    x={node.x - node.w / 2 + 3}
                    y={node.y - node.h / 2 + 3}
                    width={node.w - 6}
                    height={node.h - 6}
                    rx={node.h / 2 - 3}
                    className="chart-final-ring"
                  />
                )}
                <text x={node.x} y={node.y + 4.5} textAnchor="middle">
                  {node.label}
                </text>
              </g>
            ))}
          {/* Labels on the chart while they fit; the list below always names every way on. */}
          {outgoing.length <= 3 &&
            outgoing.map((edge) => {
              if (edge.points.length < 2) return null
              const middle = routeMiddle(edge.points)
              const text = edge.labels
                .map((label) => label.replace(/ \[.*\]$/, ''))
                .filter((l, i, all) => all.indexOf(l) === i)
                .join(' · ')
              const width = text.length * 6.2 + 14
              return (
                <g key={`label-${edge.key}`} className="chart-label">
                  <rect x={middle.x - width / 2} y={middle.y - 10} width={width} height={20} rx={10} />
                  <text x={middle.x} y={middle.y + 4} textAnchor="middle">
                    {text}
                  </text>
                </g>
              )
            })}
        </svg>
      ) : (
        <p className="chart-loading">Laying out the chart…</p>
      )}
      <figcaption>
        {path ? (
          <>
            <p className="chart-now">
              Now in <strong>{path}</strong>
            </p>
            {outgoing.length + fromAnyState.length > 0 && (
              <ul className="chart-next">
                {[...outgoing, ...fromAnyState].flatMap((edge) =>
                  edge.labels.map((label) => (
                    <li key={`${edge.key}-${label}`}>
                      <code>{label}</code> → {keyOf(edge.to)}
                      {edge.from === anyStateId(machine) && ' (from any state)'}
                    </li>
                  )),
                )}
              </ul>
            )}
          </>
        ) : (
          <p className="chart-now">{waiting}</p>
        )}
      </figcaption>
    </figure>
  )
}

/** Both of grantflow's machines, each drawn from its definition and lit by the actor that last moved. */
export function StateChart() {
  const { inspector } = getDemo()
  const wizard = useSyncExternalStore(inspector.subscribe, inspector.currentWizard)
  const session = useSyncExternalStore(inspector.subscribe, inspector.currentSession)
  return (
    <div className="charts">
      <MachineChart
        machine={callWizardMachine}
        actor={wizard}
        title="Call wizard"
        nodeClassName="chart-node"
        waiting="Submit a return to watch its call wizard move through these states."
      />
      <MachineChart
        machine={tokenSessionMachine}
        actor={session}
        title="Token session"
        nodeClassName="session-node"
        waiting="The session for an API appears here once it loads, refreshes or asks for consent."
      />
    </div>
  )
}
