// The vite plugin that gives the demo its server route, /api/app/...: the application's calls
// (client credentials) are made here, in Node, where the client secret can be kept.
import { fileURLToPath } from 'node:url'
import type { Plugin } from 'vite'
import type { ApplicationBackend } from './applicationBackend.js'

const BACKEND = fileURLToPath(new URL('./applicationBackend.ts', import.meta.url))

export function applicationRoute(): Plugin {
  return {
    name: 'ledgerline-application-route',
    configureServer(server) {
      // Loaded through vite (its aliases, its TypeScript) on the first request.
      let backend: Promise<ApplicationBackend> | undefined
      server.middlewares.use('/api/app', (request, response, next) => {
        backend ??= server.ssrLoadModule(BACKEND).then((module) => (module as typeof import('./applicationBackend.js')).createApplicationBackend())
        backend.then((b) => b.handle(request, response)).catch(next)
      })
    },
  }
}
