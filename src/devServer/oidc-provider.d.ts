// oidc-provider ships no types: the little of its public API the dev server and the tests touch.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  /** The Koa context as a middleware or a configuration hook reads it. */
  export interface ProviderContext {
    method: string
    path: string
    status: number
    body: unknown
    /** Node's request; oidc-provider reads a form body from `req.body` once it is consumed. */
    req: IncomingMessage & { body?: unknown }
    get(header: string): string
    oidc?: {
      route?: string
      params?: Record<string, unknown>
      client?: { clientId: string; clientAuthMethod?: string }
    }
  }

  export type Configuration = Record<string, unknown>

  /** Client metadata as registered (RFC 7591 names). */
  export type ClientMetadata = Record<string, unknown> & { client_id: string }

  /** The provider's OAuth errors, to throw from configuration hooks. */
  export const errors: { InvalidTarget: new (description?: string) => Error }

  /** A user interaction in progress (login or consent), as `interactionDetails` returns it. */
  export interface InteractionDetails {
    uid: string
    prompt: {
      name: 'login' | 'consent' | string
      reasons: string[]
      details: {
        missingOIDCScope?: string[]
        missingOIDCClaims?: string[]
        missingResourceScopes?: Record<string, string[]>
      }
    }
    params: Record<string, unknown> & { client_id: string; scope?: string }
    session?: { accountId: string; uid: string }
    grantId?: string
    returnTo: string
  }

  /** What the user did: signed in, consented, or an OAuth error for the client. */
  export type InteractionResult = { login: { accountId: string } } | { consent: { grantId: string } } | { error: string; error_description?: string }

  /** The rights a user gave a client, which consent adds to. */
  export interface Grant {
    addOIDCScope(scope: string): void
    addOIDCClaims(claims: string[]): void
    addResourceScope(resource: string, scope: string): void
    save(): Promise<string>
  }

  export interface Client {
    clientId: string
    clientName?: string
  }

  export default class Provider {
    constructor(issuer: string, configuration?: Configuration)
    readonly issuer: string
    /** Koa's request handler, for node:http and connect. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void
    use(middleware: (ctx: ProviderContext, next: () => Promise<void>) => Promise<void>): this
    on(event: string, listener: (...args: unknown[]) => void): this
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: InteractionResult, options?: { mergeWithLastSubmission?: boolean }): Promise<void>
    readonly Grant: {
      new (properties: { accountId: string; clientId: string }): Grant
      find(id: string): Promise<Grant | undefined>
      readonly adapter: { destroy(id: string): Promise<void> }
    }
    /** The stored token kinds, whose tokens of a grant can be revoked at once. */
    readonly RefreshToken: { revokeByGrantId(grantId: string): Promise<void> }
    readonly AuthorizationCode: { revokeByGrantId(grantId: string): Promise<void> }
    readonly Client: { find(id: string): Promise<Client | undefined> }
  }
}
