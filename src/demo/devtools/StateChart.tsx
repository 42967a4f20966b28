import { useSelector } from '@xstate/react'
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react'
import { callWizardMachine } from 'grantflow/machines'
import { getDemo } from '../demo.js'
import { chartOf, CHART_H, CHART_W, keyOf, ROUTES, type ChartNode } from './chartLayout.js'
import { edgePath } from './geometry.js'
import { pathOf } from './inspector.js'

const ROOT = callWizardMachine.root.id

/** The ids a state path is in: `awaitingConsent.atProvider` → the box and the leaf. */
function activeIds(path: string | undefined): Set<string> {
  const ids = new Set<string>()
  if (!path) return ids
  const parts = path.split('.')
  parts.forEach((_, i) => ids.add(`${ROOT}.${parts.slice(0, i + 1).join('.')}`))
  return ids
}

/**
 * The call wizard as its definition draws it, with the running wizard's state lit, the states it
 * went through tinted, the transition it last took marked and the ones it can take next labelled.
 */
export function StateChart() {
  const { inspector } = getDemo()
  const wizard = useSyncExternalStore(inspector.subscribe, inspector.currentWizard)
  const path = useSelector(wizard, (s) => (s ? pathOf((s as { value: unknown }).value) : undefined))
  const { nodes, edges } = useMemo(() => chartOf(callWizardMachine), [])
  const byId = useMemo(() => new Map(nodes.map((node) => [node.id, node])), [nodes])

  // The run so far, for this wizard: states visited and the previous state.
  const [run, setRun] = useState<{ wizard: unknown; visited: string[]; previous?: string; current?: string }>({ wizard: undefined, visited: [] })
  useEffect(() => {
    setRun((r) => {
      if (r.wizard !== wizard) return { wizard, visited: path ? [path] : [], current: path }
      if (!path || r.current === path) return r
      return { wizard, visited: [...new Set([...r.visited, path])], previous: r.current, current: path }
    })
  }, [wizard, path])

  const current = activeIds(path)
  const previous = activeIds(run.wizard === wizard ? run.previous : undefined)
  const visited = new Set(run.visited.flatMap((p) => [...activeIds(p)]))
  const outgoing = edges.filter((edge) => current.has(edge.from))
  const isTaken = (from: string, to: string) => previous.has(from) && current.has(to) && !previous.has(to)

  const nodeClass = (node: ChartNode) =>
    ['chart-node', node.compound && 'is-compound', node.final && 'is-final', current.has(node.id) && 'is-current', visited.has(node.id) && 'is-visited']
      .filter(Boolean)
      .join(' ')

  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${CHART_W} ${CHART_H}`} role="img" aria-label={`Call wizard state chart${path ? `, now in ${path}` : ''}`}>
        <defs>
          {['idle', 'next', 'taken'].map((kind) => (
            <marker key={kind} id={`arrow-${kind}`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" className={`arrow-${kind}`} />
            </marker>
          ))}
        </defs>
        {nodes
          .filter((node) => node.compound)
          .map((node) => (
            <g key={node.id} className={nodeClass(node)}>
              <rect x={node.x - node.w / 2} y={node.y - node.h / 2} width={node.w} height={node.h} rx={14} />
              <text x={node.x - node.w / 2 + 12} y={node.y - node.h / 2 + 18} className="chart-compound-label">
                {node.label}
              </text>
            </g>
          ))}
        {edges.map((edge) => {
          const from = byId.get(edge.from)
          const to = byId.get(edge.to)
          if (!from || !to) return null
          const kind = isTaken(edge.from, edge.to) ? 'taken' : current.has(edge.from) ? 'next' : 'idle'
          const { d } = edgePath(from, to, ROUTES[`${keyOf(edge.from)}>${keyOf(edge.to)}`])
          return <path key={edge.key} d={d} className={`chart-edge is-${kind}`} markerEnd={`url(#arrow-${kind})`} />
        })}
        {nodes
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
            const from = byId.get(edge.from)
            const to = byId.get(edge.to)
            if (!from || !to) return null
            const { middle } = edgePath(from, to, ROUTES[`${keyOf(edge.from)}>${keyOf(edge.to)}`])
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
      <figcaption>
        {path ? (
          <>
            <p className="chart-now">
              Now in <strong>{path}</strong>
            </p>
            {outgoing.length > 0 && (
              <ul className="chart-next">
                {outgoing.flatMap((edge) =>
                  edge.labels.map((label) => (
                    <li key={`${edge.key}-${label}`}>
                      <code>{label}</code> → {keyOf(edge.to)}
                    </li>
                  )),
                )}
              </ul>
            )}
          </>
        ) : (
          <p className="chart-now">Submit a return to watch its call wizard move through these states.</p>
        )}
      </figcaption>
    </figure>
  )
}
