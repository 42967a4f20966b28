import type { ActorOptions, AnyActorLogic, InspectionEvent } from 'xstate'

export type Inspect = NonNullable<ActorOptions<AnyActorLogic>['inspect']>

/**
 * The app's inspector, given every event with its secrets redacted (redactInspection.ts, loaded
 * here so that an app without `inspect` does not load it). Events that come before it loads wait
 * for it, in order.
 */
export function redactedInspector(inspect: Inspect): (event: InspectionEvent) => void {
  const waiting: InspectionEvent[] = []
  let send: ((event: InspectionEvent) => void) | undefined
  void import('./redactInspection.js').then((m) => {
    send = m.redactingInspector(inspect)
    waiting.splice(0).forEach(send)
  })
  return (event) => (send ? send(event) : waiting.push(event))
}
