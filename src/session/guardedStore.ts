import { GrantflowError, StorageError } from '../errors.js'
import type { SessionStore } from './store.js'

/**
 * The app's store, with its failures as StorageError: a full quota, a storage the browser
 * refuses (private mode, blocked cookies), a database that is down. The runtime then ends such a
 * failure like any other, typed and recoverable, whatever store the app wrote.
 */
export function guardedStore(store: SessionStore): SessionStore {
  const guard =
    <A extends unknown[], R>(method: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await method.apply(store, args)
      } catch (error) {
        throw error instanceof GrantflowError ? error : new StorageError(error)
      }
    }
  return {
    // What the store says of itself (survivesReload, sharedByTabs), as it says it.
    survivesReload: store.survivesReload,
    sharedByTabs: store.sharedByTabs,
    get: guard(store.get),
    set: guard(store.set),
    delete: guard(store.delete),
    list: guard(store.list),
    findByState: guard(store.findByState),
    take: guard(store.take),
  }
}
