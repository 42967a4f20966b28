import type { SessionStore } from '../session/store.js'
import { lazyMethods } from './lazyMethods.js'

/**
 * The store of a runtime given none (memory), loaded on its first use: an app that brings its own
 * (a single-page app's browser store) never loads it.
 */
export function defaultStore(): SessionStore {
  let memory: Promise<SessionStore> | undefined
  const load = () => (memory ??= import('../session/memoryStore.js').then((m) => m.createMemoryStore()))
  return lazyMethods(load, ['get', 'set', 'delete', 'list', 'findByState', 'take'])
}
