// The embedded provider's login and consent, driven through oidc-provider's interaction API
// (interactionDetails, interactionFinished, Grant): its own pages instead of the development ones.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type Provider from 'oidc-provider'
import type { InteractionDetails } from 'oidc-provider'
import { readText, RequestBodyTooLargeError, sendHtml } from './http.js'
import { consentPage, errorPage, loginPage } from './interactionPages.js'
import type { DemoAccount } from './accounts.js'

export type { DemoAccount } from './accounts.js'

export interface InteractionRoutesOptions {
  /** Where the routes are mounted: `/oidc/interaction`, as oidcConfiguration's interactionPath. */
  basePath: string
  providerName: string
  accounts: readonly DemoAccount[]
  /** Each scope in the user's words; a scope missing here is shown as it is. */
  scopeWords?: Record<string, string>
  /** Told of each answer (Allow, or Cancel on either page); may turn an Allow into a refusal. */
  onConsentAnswer?: (answer: 'allow' | 'deny') => 'allow' | 'deny'
}

export const SCOPE_WORDS: Record<string, string> = {
  openid: 'Know who you are',
  offline_access: 'Stay connected when you are not using it',
  'read:vat': 'View your VAT information',
  'write:vat': 'Change your VAT information',
}

/**
 * The interaction routes, for `req.url` under `basePath` (connect's `use` strips it):
 * - `GET  /{uid}`: the sign-in page (the demo account shown on it) or the consent page;
 * - `POST /{uid}/login`: checks the login and password, then back to the provider;
 * - `POST /{uid}/confirm`: grants the scopes asked for, then back to the provider;
 * - `POST /{uid}/abort`: the user cancelled: the app gets `access_denied`.
 * `onConsentAnswer` hears each answer and may refuse an Allow (the demo's "deny the next consent").
 *
 * @example
 * const interactions = createInteractionRoutes(provider, { basePath: '/oidc/interaction', providerName, accounts })
 * server.middlewares.use('/oidc/interaction', (req, res) => void interactions(req, res))
 */
export function createInteractionRoutes(provider: Provider, options: InteractionRoutesOptions) {
  const words = { ...SCOPE_WORDS, ...options.scopeWords }
  const frame = { providerName: options.providerName }
  const actions = (uid: string) => {
    const base = `${options.basePath}/${encodeURIComponent(uid)}`
    return { loginAction: `${base}/login`, confirmAction: `${base}/confirm`, abortAction: `${base}/abort` }
  }
  const clientName = async (clientId: string) => (await provider.Client.find(clientId))?.clientName ?? clientId

  async function showLogin(res: ServerResponse, details: InteractionDetails, failed?: { login: string; error: string }) {
    const [demo] = options.accounts
    sendHtml(
      res,
      200,
      loginPage({
        ...frame,
        ...actions(details.uid),
        clientName: await clientName(details.params.client_id),
        demoAccount: { login: demo?.login ?? '', password: demo?.password ?? '' },
        ...failed,
      }),
    )
  }

  async function showConsent(res: ServerResponse, details: InteractionDetails) {
    const { missingOIDCScope = [], missingResourceScopes = {} } = details.prompt.details
    const asked = [...new Set([...missingOIDCScope, ...Object.values(missingResourceScopes).flat()])]
    const accountId = details.session?.accountId ?? ''
    sendHtml(
      res,
      200,
      consentPage({
        ...frame,
        ...actions(details.uid),
        clientName: await clientName(details.params.client_id),
        accountName: options.accounts.find((account) => account.login === accountId)?.name ?? accountId,
        scopes: asked.map((scope) => ({ scope, words: words[scope] ?? scope })),
      }),
    )
  }

  /** Adds what the consent prompt found missing to the client's grant (a new one on first consent). */
  async function grantAsked(details: InteractionDetails): Promise<string> {
    const grant =
      (details.grantId && (await provider.Grant.find(details.grantId))) ||
      new provider.Grant({ accountId: details.session?.accountId ?? '', clientId: details.params.client_id })
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = details.prompt.details
    if (missingOIDCScope?.length) grant.addOIDCScope(missingOIDCScope.join(' '))
    if (missingOIDCClaims?.length) grant.addOIDCClaims(missingOIDCClaims)
    for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '))
    return grant.save()
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const [, uid = '', action = ''] = /^\/([^/?]+)(?:\/([a-z]+))?\/?(?:\?.*)?$/.exec(req.url ?? '') ?? []
    const details = await provider.interactionDetails(req, res).catch(() => undefined)
    // The cookie names the interaction this browser is in: a URL for another one is stale.
    if (!details || details.uid !== decodeURIComponent(uid)) {
      return sendHtml(
        res,
        400,
        errorPage({
          ...frame,
          title: 'This sign-in has expired',
          message: 'It took too long, or it was opened in another tab. Go back to the app and start again.',
        }),
      )
    }
    const prompt = details.prompt.name
    if (req.method === 'GET' && action === '') {
      if (prompt === 'login') return showLogin(res, details)
      if (prompt === 'consent') return showConsent(res, details)
    }
    if (req.method === 'POST' && action === 'login' && prompt === 'login') {
      const form = new URLSearchParams(await readText(req))
      const login = form.get('login')?.trim() ?? ''
      const account = options.accounts.find((a) => a.login === login && a.password === form.get('password'))
      if (!account) return showLogin(res, details, { login, error: 'The user ID or password is not right.' })
      return provider.interactionFinished(req, res, { login: { accountId: account.login } }, { mergeWithLastSubmission: false })
    }
    const refuse = () =>
      provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'End-User aborted interaction' }, { mergeWithLastSubmission: false })
    if (req.method === 'POST' && action === 'confirm' && prompt === 'consent') {
      if ((options.onConsentAnswer?.('allow') ?? 'allow') === 'deny') return refuse()
      const grantId = await grantAsked(details)
      return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true })
    }
    if (req.method === 'POST' && action === 'abort') {
      options.onConsentAnswer?.('deny')
      return refuse()
    }
    return sendHtml(res, 404, errorPage({ ...frame, title: 'Page not found', message: 'Go back to the app and start again.' }))
  }

  return async function interactionRoutes(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await route(req, res)
    } catch (error) {
      if (res.headersSent) res.destroy()
      else if (error instanceof RequestBodyTooLargeError)
        sendHtml(res, 413, errorPage({ ...frame, title: 'This form was too large', message: 'Go back to the app and start again.' }))
      else sendHtml(res, 500, errorPage({ ...frame, title: 'Something went wrong', message: 'Go back to the app and try again.' }))
    }
  }
}
