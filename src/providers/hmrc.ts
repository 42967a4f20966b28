import { defineProvider, type Provider } from '../model/provider.js'

export interface HmrcOptions {
  /**
   * HMRC's fraud-prevention headers for this app's connection method (Gov-Client-*, Gov-Vendor-*).
   * Called for every API request so values such as the user's device can change per call.
   */
  fraudPreventionHeaders?: () => Record<string, string>
  /** The `Gov-Client-Connection-Method` to send when the headers above do not set it. */
  connectionMethod?: string
  /** The API version in HMRC's `Accept` media type (default 1.0). */
  apiVersion?: string
}

/**
 * UK HMRC (Making Tax Digital): explicit endpoints (no discovery document), single-use refresh
 * tokens, a versioned `Accept` media type and fraud-prevention headers on every API call.
 *
 * @example
 * const hmrc = createHmrcProvider({ connectionMethod: 'WEB_APP_VIA_SERVER' })
 */
export function createHmrcProvider(options: HmrcOptions = {}): Provider<'sandbox' | 'production'> {
  const accept = `application/vnd.hmrc.${options.apiVersion ?? '1.0'}+json`
  return defineProvider({
    id: 'hmrc',
    name: 'HM Revenue & Customs',
    environments: {
      sandbox: {
        authorizationServer: {
          authorizationEndpoint: 'https://test-www.tax.service.gov.uk/oauth/authorize',
          tokenEndpoint: 'https://test-api.service.hmrc.gov.uk/oauth/token',
        },
        apiBaseUrl: 'https://test-api.service.hmrc.gov.uk',
      },
      production: {
        authorizationServer: {
          authorizationEndpoint: 'https://www.tax.service.gov.uk/oauth/authorize',
          tokenEndpoint: 'https://api.service.hmrc.gov.uk/oauth/token',
        },
        apiBaseUrl: 'https://api.service.hmrc.gov.uk',
      },
    },
    prepareApiRequest(request) {
      request.headers.set('accept', accept)
      for (const [name, value] of Object.entries(options.fraudPreventionHeaders?.() ?? {})) request.headers.set(name, value)
      if (!request.headers.has('gov-client-connection-method')) {
        request.headers.set('gov-client-connection-method', options.connectionMethod ?? 'WEB_APP_VIA_SERVER')
      }
      if (!request.headers.has('gov-vendor-version')) request.headers.set('gov-vendor-version', 'grantflow=0.1.0')
    },
  })
}

/** HMRC with default options. */
export const hmrc = createHmrcProvider()
