import { createActor, fromPromise, toPromise, type AnyActorRef, type PromiseActorLogic } from 'xstate'

// The paths and the coverage count are the wizard scenarios' too (grantflow/testing).
export { describeEvent, doneEvent, edgeCoveragePaths, errorEvent, type ModelStep } from '../../src/testing/scenarios/paths.js'
export { createCoverage } from '../../src/testing/scenarios/coverage.js'

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
