import type { Provider } from '../model/provider.js'
import type { KitEndpoints } from './endpoints.js'
import type { FaultQueue } from './faults.js'
import type { Journal } from './journal.js'
import type { ServerState } from './state.js'
import type { ConsentAnswer, KitClient, KitQuirk, KitRoute } from './types.js'

/**
 * Everything the kit's handlers share: resolved options plus the server's mutable memory. The
 * memory (state, journal, faults, consent, callbacks) is changed in place and never replaced, so
 * the context `listen()` serves at its own origin shares it.
 */
export interface KitContext {
  provider: Provider
  environmentName: string
  endpoints: KitEndpoints
  clients: KitClient[]
  accessTokenTtlSeconds: number
  issueRefreshTokens: boolean
  rotateRefreshTokens: boolean
  sendIss: boolean
  quirks: Partial<Record<KitQuirk, boolean>>
  routes: KitRoute[]
  apiBaseUrl: string
  now: () => number
  state: ServerState
  journal: Journal
  faults: FaultQueue
  consent: { answer: ConsentAnswer; grantScopes?: string[] }
  /** The callback each authorization request was answered with, by request URL (see `kit.authorize`). */
  callbacks: Map<string, string>
}
