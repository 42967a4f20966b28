// The demo's world: the fake providers (the provider kit, strict, in this tab) and what they
// recorded. The app never reaches in here; the consent screen, the fault panel and the tests do.
import type { RequestHandler } from 'msw'
import { hmrc } from 'grantflow'
import { createProviderKit, hmrcVatRoutes, type HmrcVatRoutes, type ProviderKit, type VatSubmission } from 'grantflow/testing'
import { odoo } from '../app/apis.js'
import { createTimeline, type Timeline } from '../devtools/timeline.js'
import { accountingRoutes } from './accountingRoutes.js'

import type { HmrcEnvironment } from '../providers.js'

export type { HmrcEnvironment }

/** One fake provider environment as the consent screen and the fault panel see it. */
export interface ProviderSide {
  id: 'hmrc' | 'odoo'
  /** "HMRC sandbox", "Odoo". */
  label: string
  environment: string
  kit: ProviderKit
  /** Host of the authorization endpoint, for telling which provider a URL belongs to. */
  authorizationHost: string
}

/** The client ids the fake providers know, and the app's name shown on their consent screens. */
export const CLIENTS = {
  hmrc: { clientId: 'ledgerline-web', name: 'Ledgerline' },
  odoo: { clientId: 'ledgerline', name: 'Ledgerline' },
}

export interface DemoWorld {
  hmrc: Record<HmrcEnvironment, ProviderSide & { vat: HmrcVatRoutes }>
  odoo: ProviderSide
  handlers: RequestHandler[]
  timeline: Timeline
  /** The provider environment an authorization URL belongs to. */
  providerFor(authorizationUrl: string): ProviderSide | undefined
  /** The user answers at the provider: returns the callback URL the provider redirects to. */
  answerConsent(authorizationUrl: string, answer: 'approve' | 'deny'): Promise<string>
  /** The provider refuses the next consent, whatever the user answers (an account without access). */
  denyNextConsent(provider: ProviderSide): void
  /** Logs requests the kits answered since the last call (after each mocked response). */
  recordTraffic(): void
  /** Every VAT return HMRC accepted, in both environments. */
  submissions(): VatSubmission[]
}

export function createWorld(origin: string): DemoWorld {
  // Kept in sessionStorage: a redirect to the embedded provider reloads the page.
  const timeline = createTimeline('ledgerline.timeline')
  const redirectUris = [`${origin}/callback`]
  const hmrcSide = (environment: HmrcEnvironment) => {
    const vat = hmrcVatRoutes()
    const kit = createProviderKit({
      provider: hmrc,
      environment,
      clients: [{ clientId: CLIENTS.hmrc.clientId, authMethod: 'none', redirectUris }],
      api: vat,
      // Four hours, as HMRC; the fault panel expires them on demand.
      accessTokenTtlSeconds: 4 * 3600,
    })
    const host = new URL((hmrc.environments[environment].authorizationServer as { authorizationEndpoint: string }).authorizationEndpoint).host
    return { id: 'hmrc' as const, label: `HMRC ${environment}`, environment, kit, vat, authorizationHost: host }
  }
  const odooKit = createProviderKit({
    provider: odoo,
    environment: 'production',
    clients: [{ clientId: CLIENTS.odoo.clientId, authMethod: 'none', redirectUris: [`${origin}/callback/odoo`] }],
    api: accountingRoutes(),
    accessTokenTtlSeconds: 3600,
    // Odoo REST: an absolute `access_token_validity` date instead of `expires_in`.
    quirks: { accessTokenValidity: true },
  })
  const sides = {
    sandbox: hmrcSide('sandbox'),
    production: hmrcSide('production'),
  }
  const odooSide: ProviderSide = { id: 'odoo', label: 'Odoo', environment: 'production', kit: odooKit, authorizationHost: 'acme-trading.odoo.example' }
  const all: ProviderSide[] = [sides.sandbox, sides.production, odooSide]
  const refusals = new Set<ProviderSide>()
  const seen = new Map<ProviderSide, number>(all.map((side) => [side, 0]))

  const providerFor = (url: string) => {
    const host = new URL(url).host
    return all.find((side) => side.authorizationHost === host)
  }

  return {
    hmrc: sides,
    odoo: odooSide,
    handlers: all.flatMap((side) => side.kit.handlers),
    timeline,
    providerFor,
    async answerConsent(url, answer) {
      const side = providerFor(url)
      if (!side) throw new Error(`no fake provider answers ${new URL(url).host}`)
      const refused = refusals.delete(side)
      side.kit.consent(answer === 'approve' && !refused ? 'approve' : 'deny')
      try {
        return await side.kit.authorize(url)
      } finally {
        side.kit.consent('approve')
      }
    },
    denyNextConsent(side) {
      refusals.add(side)
    },
    recordTraffic() {
      for (const side of all) {
        const records = side.kit.requests
        for (const record of records.slice(seen.get(side))) {
          const url = new URL(record.url)
          timeline.add({
            source: 'provider',
            actor: side.label,
            what: `${record.method} ${url.pathname}${record.grantType ? ` (${record.grantType})` : ''}`,
            outcome: record.status === 0 ? 'network error' : record.status === 302 ? '302 redirect' : String(record.status),
            tone: record.status >= 200 && record.status < 400 ? 'good' : 'bad',
          })
        }
        seen.set(side, records.length)
      }
    },
    submissions: () => [...sides.sandbox.vat.submissions, ...sides.production.vat.submissions],
  }
}
