import {
  createActor,
  fromPromise,
  toPromise,
  type AnyActorRef,
  type AnyStateMachine,
  type EventObject,
  type InspectionEvent,
  type PromiseActorLogic,
  type Snapshot,
} from 'xstate'
import { getAdjacencyMap, getShortestPaths } from 'xstate/graph'
import { listTransitions, transitionKey } from '../../machines/index.js'

/** A step of a generated path: the event to cause, and the state the machine says follows. */
export interface ModelStep<TEvent extends EventObject = EventObject> {
  event: TEvent
  state: Snapshot<unknown> & { value: unknown; context: unknown }
}

export const doneEvent = (id: string, output?: unknown) => ({ type: `xstate.done.actor.${id}`, output }) as EventObject
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

/**
 * Paths that together take every edge of the model's graph: for each edge, the shortest path to
 * its source state followed by the edge. Paths that are prefixes of others are dropped.
 */
export function edgeCoveragePaths<TMachine extends AnyStateMachine>(
  machine: TMachine,
  options: {
    events: (snapshot: ReturnType<TMachine['getInitialSnapshot']>) => EventObject[]
    serializeState: (snapshot: ReturnType<TMachine['getInitialSnapshot']>) => string
    input?: unknown
  },
): ModelStep[][] {
  // The graph functions traverse the machine's pure transitions; invoked actors are never run,
  // their outcomes are the done/error events the `events` function offers.
  const traversal = {
    events: options.events as never,
    serializeState: options.serializeState as never,
    serializeEvent: describeEvent as never,
    ...(options.input !== undefined && { input: options.input as never }),
  }
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
  const key = (path: ModelStep[]) => path.map((s) => describeEvent(s.event)).join(' > ')
  const keys = paths.map(key)
  return paths.filter((path, i) => !keys.some((other, j) => j !== i && other.startsWith(keys[i]! + ' > ')) && keys.indexOf(keys[i]!) === i)
}

/** Holds each wrapped actor until the test releases it, so the test arranges the world first. */
export function createGates() {
  const waiting = new Map<string, Array<() => void>>()
  const listeners = new Set<() => void>()
  return {
    wrap<Output, Input>(name: string, logic: PromiseActorLogic<Output, Input>): PromiseActorLogic<Output, Input> {
      return fromPromise<Output, Input>(async ({ input }) => {
        await new Promise<void>((resolve) => {
          waiting.set(name, [...(waiting.get(name) ?? []), resolve])
          for (const listener of listeners) listener()
        })
        return toPromise(createActor(logic, { input }).start())
      })
    },
    isWaiting: (name: string) => (waiting.get(name)?.length ?? 0) > 0,
    release(name: string) {
      const queue = waiting.get(name) ?? []
      const next = queue.shift()
      if (!next) throw new Error(`nothing waits at the ${name} gate`)
      next()
    },
  }
}

/** Counts which of a machine's declared transitions the running actors actually took. */
export function createCoverage(machine: AnyStateMachine) {
  const declared = new Set(listTransitions(machine).map(transitionKey))
  const taken = new Set<string>()
  const inspect = (event: InspectionEvent) => {
    if (event.type !== '@xstate.microstep') return
    for (const t of (
      event as unknown as { _transitions: Array<{ source: { id: string; always?: unknown[]; transitions: Map<string, unknown[]> }; eventType: string }> }
    )._transitions) {
      if (!t.source.id.startsWith(machine.id)) continue
      const list = t.eventType === '' ? (t.source.always ?? []) : (t.source.transitions.get(t.eventType) ?? [])
      const key = transitionKey({ source: t.source.id, eventType: t.eventType, index: list.indexOf(t) })
      if (declared.has(key)) taken.add(key)
    }
  }
  return {
    inspect,
    taken,
    declared,
    missing: () => [...declared].filter((k) => !taken.has(k)),
    summary: () => `${machine.id}: ${taken.size}/${declared.size} transitions covered`,
  }
}

/** Waits until `condition` holds, polling (the SUT's actors settle asynchronously). */
export async function until(condition: () => boolean, what: () => string, timeoutMs = 3000): Promise<void> {
  const start = Date.now()
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what()}`)
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}

/**
 * Waits until none of `actors` runs an invoked actor, so a path's world is disposed only once
 * every request it made has been answered. One still in flight (a refresh a 401 started as the
 * path ended) would otherwise reach the next path's world, whose provider kit answers at the same
 * URLs on the same MSW server, and use up a fault that path arranged.
 */
export function untilIdle(actors: Array<AnyActorRef | undefined>): Promise<void> {
  const busy = () => actors.filter((actor) => actor && Object.keys(actor.getSnapshot().children ?? {}).length > 0)
  return until(
    () => busy().length === 0,
    () =>
      `${busy()
        .map((actor) => actor!.id)
        .join(', ')} to finish their invoked actors`,
  )
}
