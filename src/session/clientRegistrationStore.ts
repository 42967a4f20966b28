import type { ClientRegistration } from '../model/client.js'

/**
 * Where clients registered at run time (RFC 7591 dynamic registration) are kept, one per
 * provider environment, so a restart or a reload reuses the registration instead of making a
 * new client each time (`createGrantflow({ clientRegistrations })`). Implementations return copies.
 */
export interface ClientRegistrationStore {
  get(provider: string, environment: string): Promise<ClientRegistration | undefined>
  set(provider: string, environment: string, client: ClientRegistration): Promise<void>
}

/**
 * Registered clients in this process's memory.
 *
 * @example
 * const registrations = createMemoryClientRegistrationStore()
 */
export function createMemoryClientRegistrationStore(): ClientRegistrationStore {
  const clients = new Map<string, ClientRegistration>()
  const keyOf = (provider: string, environment: string) => JSON.stringify([provider, environment])
  return {
    async get(provider, environment) {
      const client = clients.get(keyOf(provider, environment))
      return client && structuredClone(client)
    },
    async set(provider, environment, client) {
      clients.set(keyOf(provider, environment), structuredClone(client))
    },
  }
}
