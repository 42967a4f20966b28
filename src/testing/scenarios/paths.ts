// Paths through a machine's graph (xstate/graph), for model-based tests: grantflow's own
// (test/model) and the wizard scenarios apps walk through their screens. Testing entry only:
// xstate/graph never reaches the core bundle.
import type { AnyStateMachine, EventObject, Snapshot } from 'xstate'
import { getAdjacencyMap, getShortestPaths } from 'xstate/graph'

/** A step of a generated path: the event to cause, and the state the machine says follows. */
export interface ModelStep<TEvent extends EventObject = EventObject> {
  event: TEvent
  state: Snapshot<unknown> & { value: unknown; context: unknown }
}

/** The event an invoked actor's success sends, as the graph offers it. */
export const doneEvent = (id: string, output?: unknown) => ({ type: `xstate.done.actor.${id}`, output }) as EventObject
/** The event an invoked actor's failure sends. */
export const errorEvent = (id: string) => ({ type: `xstate.error.actor.${id}`, error: new Error(`${id} failed`) }) as EventObject

/** A readable, stable name for an abstract event (its type and the kind of its output). */
export function describeEvent(event: EventObject): string {
  const { output, now, error } = event as { output?: unknown; now?: number; error?: { error?: string } }
  let detail = ''
  if (output && typeof output === 'object') {
    detail = (output as { kind?: string }).kind ?? Object.keys(output).join('+')
  } else if (now !== undefined) detail = `now=${now}`
  else if (error?.error) detail = error.error
  else if ('tokens' in event) detail = (event as { tokens?: { refreshToken?: string } }).tokens?.refreshToken ? 'refreshable' : 'access-only'
  return detail ? `${event.type}(${detail})` : event.type
}

export interface PathOptions<TMachine extends AnyStateMachine> {
  events: (snapshot: ReturnType<TMachine['getInitialSnapshot']>) => EventObject[]
  serializeState: (snapshot: ReturnType<TMachine['getInitialSnapshot']>) => string
  input?: unknown
}

function traversalOf<TMachine extends AnyStateMachine>(options: PathOptions<TMachine>) {
  // The graph functions traverse the machine's pure transitions; invoked actors are never run,
  // their outcomes are the done/error events the `events` function offers.
  return {
    events: options.events as never,
    serializeState: options.serializeState as never,
    serializeEvent: describeEvent as never,
    ...(options.input !== undefined && { input: options.input as never }),
  }
}

/**
 * Paths that together take every edge of the model's graph: for each edge, the shortest path to
 * its source state followed by the edge. Paths that are prefixes of others are dropped.
 */
export function edgeCoveragePaths<TMachine extends AnyStateMachine>(machine: TMachine, options: PathOptions<TMachine>): ModelStep[][] {
  const traversal = traversalOf(options)
  const shortest = new Map<string, ModelStep[]>()
  for (const path of getShortestPaths(machine, traversal)) shortest.set(options.serializeState(path.state as never), path.steps as ModelStep[])
  const adjacency = getAdjacencyMap(machine, traversal)
  const paths: ModelStep[][] = []
  for (const [stateKey, { transitions }] of Object.entries(adjacency)) {
    const prefix = shortest.get(stateKey)
    if (!prefix) continue
    for (const { event, state } of Object.values(transitions) as Array<{ event: EventObject; state: unknown }>) {
      paths.push([...prefix, { event: event as EventObject, state: state as ModelStep['state'] }])
    }
  }
  return withoutPrefixes(paths)
}

/**
 * The shortest way on from a path's last state to a state `settled` accepts (the path itself when
 * it is there already), or undefined when none is reachable.
 */
export function continueUntil<TMachine extends AnyStateMachine>(
  machine: TMachine,
  path: ModelStep[],
  settled: (snapshot: ModelStep['state']) => boolean,
  options: PathOptions<TMachine>,
): ModelStep[] | undefined {
  const last = path[path.length - 1]!.state
  if (settled(last)) return path
  const onward = getShortestPaths(machine, { ...traversalOf(options), fromState: last as never, toState: settled as never })
  const best = [...onward].sort((a, b) => a.steps.length - b.steps.length)[0]
  // The continuation's first step is the state it starts from.
  return best && [...path, ...(best.steps as ModelStep[]).slice(1)]
}

/** A path's identity: its events in order. */
export function pathKey(path: ModelStep[]): string {
  return path.map((step) => describeEvent(step.event)).join(' > ')
}

/** Drops duplicates and paths that are a prefix of another. */
export function withoutPrefixes(paths: ModelStep[][]): ModelStep[][] {
  const keys = paths.map(pathKey)
  return paths.filter((_, i) => keys.indexOf(keys[i]!) === i && !keys.some((other, j) => j !== i && other.startsWith(keys[i]! + ' > ')))
}
