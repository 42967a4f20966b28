// The faults the control route injects into one origin's provider and API, each done the way a
// real server fails (the API refuses a token, the token endpoint is down, the connection drops),
// never by handing the page a token or reaching into the page's session.
import type Provider from 'oidc-provider'
import type { ProviderContext } from 'oidc-provider'
import type { EmbeddedFault } from './controlProtocol.js'
import { readText, RequestBodyTooLargeError } from './http.js'
import type { ProviderRequest } from './providerRequests.js'

/** oidc-provider's own body limit (lib/shared/selective_body.js), which it skips for a body read here. */
const PROVIDER_BODY_LIMIT = 56 * 1024

/** How long a slow fault holds its answer back when the request names no `delayMs`. */
export const DEFAULT_DELAY_MS = 3000

export interface ControlFaultsOptions {
  /** The page's public client: the token faults are for its requests only. */
  publicClientId: string
  /** The provider's access token lifetime (seconds): how long a token is worth remembering. */
  accessTokenTtl: number
}

/** What the API does instead of serving a person's request: an answer, or `drop` the connection. */
export type ApiFaultAnswer = { status: number; body: unknown } | 'drop' | undefined

/** An access token the provider signed (by `jti`), and why the API now refuses it, if it does. */
interface IssuedToken {
  grantId: string | undefined
  /** Forgotten after this (epoch ms): past its `exp`, the API refuses it on its own. */
  forgetAt: number
  refusal?: string
}

const API_FAULTS: ReadonlySet<EmbeddedFault['fault']> = new Set(['fail-next-api', 'slow-next-api', 'drop-next-api'])

export type ControlFaults = ReturnType<typeof createControlFaults>

export function createControlFaults(options: ControlFaultsOptions) {
  // Faults wait in the order they were injected and each is used once, as the provider kit's:
  // two clicks on "fail the next API call" fail the next two.
  const queue: EmbeddedFault[] = []
  const tokens = new Map<string, IssuedToken>()
  const grants = new Set<string>()
  let provider: Provider | undefined

  const take = (fits: (fault: EmbeddedFault) => boolean): EmbeddedFault | undefined => {
    const index = queue.findIndex(fits)
    return index < 0 ? undefined : queue.splice(index, 1)[0]
  }
  const waiting = (name: EmbeddedFault['fault']) => queue.some((fault) => fault.fault === name)

  function remember(token: unknown) {
    const { jti, grantId } = token as { jti: string; grantId?: string }
    const now = Date.now()
    for (const [id, issued] of tokens) if (issued.forgetAt < now) tokens.delete(id)
    // A minute past the lifetime: the API's clock tolerance must not let a refused token back in.
    tokens.set(jti, { grantId, forgetAt: now + (options.accessTokenTtl + 60) * 1000 })
  }

  async function revokeGrants(): Promise<void> {
    if (!provider) return
    for (const grantId of grants) {
      // What revoking access at a provider does: the grant and its refresh tokens and codes go...
      await Promise.all([
        provider.RefreshToken.revokeByGrantId(grantId),
        provider.AuthorizationCode.revokeByGrantId(grantId),
        provider.Grant.adapter.destroy(grantId),
      ])
      // ...and its self-contained JWT access tokens, which no store holds, are refused by the API.
      for (const issued of tokens.values()) if (issued.grantId === grantId) issued.refusal ??= 'The access token was revoked'
    }
    grants.clear()
  }

  return {
    /** Follows the provider's access tokens and grants (its events), to expire or revoke them later. */
    watch(watched: Provider) {
      provider = watched
      // Tokens by their jti, not their iat: a refresh in the same second must give a token that works.
      watched.on('access_token.issued', remember)
      // The application's tokens expire too, as at a real provider (the kit's expireAccessTokens).
      watched.on('client_credentials.issued', remember)
      watched.on('grant.saved', (grant) => grants.add((grant as { jti: string }).jti))
      watched.on('grant.destroyed', (grant) => grants.delete((grant as { jti: string }).jti))
    },

    /** Applies a fault now (expire, revoke) or queues it for the request it fits. */
    async inject(fault: EmbeddedFault): Promise<void> {
      if (fault.fault === 'expire-access-tokens') {
        for (const issued of tokens.values()) issued.refusal ??= 'The access token expired'
      } else if (fault.fault === 'revoke-grants') {
        await revokeGrants()
      } else {
        queue.push(fault)
      }
    },

    /**
     * oidc-provider middleware for the token faults. A refresh is refused before the provider
     * reads it, so its refresh token stays unused and the client's retry works, as after a real
     * outage. Returns what the access log should say of a request the provider never saw.
     */
    async tokenFaults(ctx: ProviderContext, next: () => Promise<void>): Promise<Partial<ProviderRequest>> {
      const isToken = ctx.method === 'POST' && ctx.path.endsWith('/token')
      // The public client authenticates with no header (the server route's client with Basic):
      // only then is the body read here, and only while a refresh fault waits.
      if (isToken && !ctx.get('authorization') && waiting('fail-next-refresh')) {
        let text: string
        try {
          text = await readText(ctx.req, PROVIDER_BODY_LIMIT)
        } catch (error) {
          if (!(error instanceof RequestBodyTooLargeError)) throw error
          ctx.status = 413
          ctx.body = { error: 'invalid_request', error_description: error.message }
          return { route: 'token', error: 'invalid_request' }
        }
        // oidc-provider reads a body already consumed from req.body (lib/shared/selective_body.js).
        ctx.req.body = text
        const form = new URLSearchParams(text)
        const fits = form.get('grant_type') === 'refresh_token' && form.get('client_id') === options.publicClientId
        if (fits && take((fault) => fault.fault === 'fail-next-refresh')) {
          ctx.status = 503
          ctx.body = { error: 'temporarily_unavailable', error_description: 'The token service is unavailable; try again later' }
          return { route: 'token', grantType: 'refresh_token', clientId: options.publicClientId, error: 'temporarily_unavailable' }
        }
      }
      await next()
      // Held back after the answer: the token is issued, the client only waits for it.
      if (isToken && ctx.oidc?.client?.clientId === options.publicClientId) {
        const grantType = ctx.oidc.params?.grant_type
        const slow = take((fault) => fault.fault === 'slow-next-token' && (!fault.grant || fault.grant === grantType))
        if (slow) await sleep(slow.delayMs ?? DEFAULT_DELAY_MS)
      }
      return {}
    },

    /** Asked by the API before it serves a person's request with a good token: the first API fault queued. */
    async apiFault(): Promise<ApiFaultAnswer> {
      const fault = take((queued) => API_FAULTS.has(queued.fault))
      if (fault?.fault === 'drop-next-api') return 'drop'
      if (fault?.fault === 'fail-next-api') return { status: 503, body: { code: 'SERVER_ERROR', message: 'Service unavailable' } }
      if (fault?.fault === 'slow-next-api') await sleep(fault.delayMs ?? DEFAULT_DELAY_MS)
      return undefined
    },

    /** Why the API refuses a token the provider signed (expired or revoked here), if it does. */
    refusal(jti: string | undefined): string | undefined {
      return jti === undefined ? undefined : tokens.get(jti)?.refusal
    },

    /** The consent page's answer, which `deny-next-consent` turns into a refusal. */
    consentAnswer(answer: 'allow' | 'deny'): 'allow' | 'deny' {
      return answer === 'allow' && take((fault) => fault.fault === 'deny-next-consent') ? 'deny' : answer
    },
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
