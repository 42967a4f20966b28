import { useCallback, useMemo, useSyncExternalStore } from 'react'
import type { ActorRef, EventObject, Snapshot } from 'xstate'

/** What the hook uses of an actor. */
type Followed<S extends Snapshot<unknown>> = Pick<ActorRef<S, EventObject>, 'getSnapshot' | 'subscribe'>

/**
 * What `select` picks from an actor's snapshot (or from `undefined` while there is no actor),
 * followed through React's own useSyncExternalStore: the component renders again when the pick
 * changes (`Object.is`). Our own rather than @xstate/react's useSelector, which brings
 * use-sync-external-store's shim for React < 18 (the peers are React 18+).
 *
 * An actor's snapshot is immutable and is the same object until the actor moves, so the pick is
 * cached by snapshot: React may read it several times per render and must get the same value each
 * time (else it warns, and renders again forever). A new `select` (an inline arrow) is asked
 * again, since it may read the component's props.
 *
 * @example
 * const succeeded = useActorSelector(wizard, (s) => s?.matches('succeeded') === true)
 */
export function useActorSelector<S extends Snapshot<unknown>, Selected>(
  actor: Followed<S> | undefined,
  select: (snapshot: S | undefined) => Selected,
): Selected {
  const subscribe = useCallback(
    (onChange: () => void) => {
      // An error ends the actor: reading it then throws, as below.
      const subscription = actor?.subscribe({ next: onChange, error: onChange })
      return () => subscription?.unsubscribe()
    },
    [actor],
  )
  const selection = useMemo(() => {
    let cached: { snapshot: S | undefined; selected: Selected } | undefined
    return () => {
      const snapshot = actor?.getSnapshot()
      // An actor that failed has no state to show: its error goes to the nearest error boundary,
      // as @xstate/react's useSelector does.
      if (snapshot?.status === 'error') throw snapshot.error
      if (!cached || cached.snapshot !== snapshot) cached = { snapshot, selected: select(snapshot) }
      return cached.selected
    }
  }, [actor, select])
  // The server's snapshot is the same: a wizard rendered on a server shows its state there too.
  return useSyncExternalStore(subscribe, selection, selection)
}
