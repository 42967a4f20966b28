import type { ConsentNavigator } from '../runtime/navigation.js'

/**
 * Lets a popup navigator open its window now, while the browser still counts the click as the
 * user's gesture (a popup opened after the asynchronous authorization request would be blocked).
 * Any other navigator needs nothing here.
 */
export function prepareNavigator(navigator: ConsentNavigator | undefined): void {
  const prepare = (navigator as { prepare?: unknown } | undefined)?.prepare
  if (typeof prepare === 'function') prepare.call(navigator)
}
