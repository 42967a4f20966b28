import { useSyncExternalStore } from 'react'
import type { ResumedConsent, ResumedConsentFeed } from '../runtime/resumedConsent.js'
import { useGrantflow } from './GrantflowProvider.js'

/**
 * The consent this page completed without having started it, if any: the consent popup's
 * callback, handed to the page loaded since the page that opened it was reloaded. Follow its
 * `wizard` (the kept call, made again) as after a redirect back, or say its `error`. `useCall`
 * for the kept call's endpoint takes the wizard up by itself.
 *
 * @example
 * const resumed = useResumedConsent()
 * {resumed?.status === 'failed' && <p role="alert">{describeError(resumed.error!)}</p>}
 */
export function useResumedConsent(): ResumedConsent | undefined {
  const feed = useGrantflow().resumedConsent ?? NO_FEED
  return useSyncExternalStore(feed.subscribe, feed.getSnapshot, feed.getSnapshot)
}

/** A runtime of its own making, without the feed, never hands a consent over. */
const NO_FEED: ResumedConsentFeed = { getSnapshot: () => undefined, subscribe: () => () => undefined }
