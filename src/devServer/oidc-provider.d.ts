// oidc-provider ships no types: the little of it the integration tests touch.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  /** The Koa context as the tests' middleware reads it. */
  export interface ProviderContext {
    method: string
    path: string
    status: number
    body: unknown
    oidc?: {
      route?: string
      params?: Record<string, unknown>
      client?: { clientId: string; clientAuthMethod?: string }
    }
  }

  export type Configuration = Record<string, unknown>

  /** The provider's OAuth errors, to throw from configuration hooks. */
  export const errors: { InvalidTarget: new (description?: string) => Error }

  export default class Provider {
    constructor(issuer: string, configuration?: Configuration)
    readonly issuer: string
    /** Koa's request handler, for node:http. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void
    use(middleware: (ctx: ProviderContext, next: () => Promise<void>) => Promise<void>): this
    on(event: string, listener: (...args: unknown[]) => void): this
  }
}
