import { chromium, type Browser } from 'playwright-core'
import { inject } from 'vitest'
import { LAUNCH } from './chromium.js'

/**
 * A connection to the run's one Chromium (sharedBrowser.setup.ts), for a test file: call it in
 * `beforeAll`, close it in `afterAll` (that closes this file's contexts and disconnects, the
 * browser stays for the other files). Files share the browser process only: each test still
 * makes its own context (`browser.newContext()`: no cookie, storage or cache of another test's).
 * Run under a config without the globalSetup, it launches a browser of its own.
 */
export async function connectSharedBrowser(): Promise<Browser> {
  const endpoint = inject('chromiumWsEndpoint')
  return endpoint ? chromium.connect(endpoint) : chromium.launch(LAUNCH)
}
