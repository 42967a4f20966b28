import type { ConsentNeed } from '../../machines/callWizard.js'
import type { ConsentNavigator } from '../runtime/navigation.js'

/** The sentence announced while a state is working; undefined for states that wait for the user. */
export function progressText(
  path: string,
  facts: { consent: ConsentNeed | undefined; callLabel: string; navigatorMode: ConsentNavigator['mode'] | undefined },
): string | undefined {
  const provider = facts.consent?.provider.name ?? 'the provider'
  const api = facts.consent?.api.name
  switch (path) {
    case 'calling':
      return `Sending ${facts.callLabel}…`
    case 'refreshing':
      return 'Renewing your access…'
    case 'awaitingConsent.openingProvider':
      return `Opening ${provider}…`
    case 'awaitingConsent.atProvider':
      return facts.navigatorMode === 'popup' ? `Waiting for you to finish at ${provider}…` : `Taking you to ${provider}…`
    case 'exchangingCode':
      return `Confirming your permission with ${provider}…`
    case 'retrying':
      return `Sending ${facts.callLabel}${api ? ` to ${api}` : ''}…`
    default:
      return undefined
  }
}
