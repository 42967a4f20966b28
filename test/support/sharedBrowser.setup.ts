import { chromium } from 'playwright-core'
import type { TestProject } from 'vitest/node'
import { LAUNCH } from './chromium.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the run's one Chromium listens (playwright's protocol over a WebSocket on 127.0.0.1): see sharedBrowser.ts. */
    chromiumWsEndpoint: string
  }
}

/**
 * The browser tests' globalSetup (vite.config.ts, project `browser`): one Chromium for the whole
 * run, launched once instead of once a file, its endpoint handed to the test files through
 * `provide`. Only the browser project has it, so a run without browser tests launches none.
 */
export default async function launchSharedChromium(project: TestProject): Promise<() => Promise<void>> {
  const server = await chromium.launchServer({ ...LAUNCH, host: '127.0.0.1', port: 0 })
  project.provide('chromiumWsEndpoint', server.wsEndpoint())
  return () => server.close()
}
