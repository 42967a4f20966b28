import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { createServer } from 'vite'
import { embeddedProvider } from '../../src/devServer/embeddedProvider.js'
import type { EmbeddedRecords } from '../../src/devServer/controlProtocol.js'
import { alias } from '../../vite.config.js'
import { connectSharedBrowser } from '../support/sharedBrowser.js'

/** A small app of test/e2e/<folder> served by Vite with the embedded oidc-provider, and the run's shared Chromium. */
export interface EmbeddedApp {
  origin: string
  browser: Browser
  /** What the embedded provider and its API recorded so far. */
  records(): Promise<EmbeddedRecords>
  close(): Promise<void>
}

/**
 * Serves `test/e2e/<folder>` on 127.0.0.1 (a port the OS picks) with the embedded provider, and
 * connects to the shared Chromium. Its own dependency cache under `.vite/`: the other browser
 * files' Vite servers run beside it.
 */
export async function startEmbeddedApp(folder: string, provider: Parameters<typeof embeddedProvider>[0] = {}): Promise<EmbeddedApp> {
  const vite = await createServer({
    configFile: false,
    root: fileURLToPath(new URL(folder, import.meta.url)),
    cacheDir: fileURLToPath(new URL(`../../.vite/${folder}`, import.meta.url)),
    resolve: { alias },
    plugins: [embeddedProvider({ ...provider, applicationPath: false })],
    server: { host: '127.0.0.1', port: 0 },
    logLevel: 'warn',
    clearScreen: false,
  })
  await vite.listen()
  const origin = `http://127.0.0.1:${(vite.httpServer!.address() as AddressInfo).port}`
  const browser = await connectSharedBrowser()
  return {
    origin,
    browser,
    records: async () => (await (await fetch(`${origin}/__embedded/records`)).json()) as EmbeddedRecords,
    async close() {
      await browser.close()
      await vite.close()
    },
  }
}
