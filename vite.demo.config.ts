// The demo (src/demo): `npm run dev` serves it against the embedded oidc-provider,
// `npm run dev:mock` against the provider kit alone (MSW, in the page), `npm run build:demo`
// builds the mock one into dist-demo/ (a static site has no server for a provider).
// The library build and vitest keep using vite.config.ts.
import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'
import { applicationRoute } from './src/demo/server/applicationRoute.ts'
import { embeddedProvider } from './src/devServer/embeddedProvider.ts'
import { alias } from './vite.config.ts'

const path = (relative: string) => fileURLToPath(new URL(relative, import.meta.url))

export default defineConfig(({ command, mode }) => {
  const providers = mode === 'mock' || command === 'build' ? 'mock' : 'embedded'
  return {
    root: path('src/demo'),
    // MSW's worker script (npx msw init public), served at /mockServiceWorker.js.
    publicDir: path('public'),
    resolve: { alias },
    // The page asks import.meta.env.VITE_PROVIDERS which HMRC it has (src/demo/providers.ts).
    define: { 'import.meta.env.VITE_PROVIDERS': JSON.stringify(providers) },
    // Both mount /api/app: the embedded provider's route is a client of oidc-provider, the mock
    // one a client of the provider kit.
    plugins: [react(), providers === 'embedded' ? embeddedProvider() : applicationRoute()],
    // Every dependency pre-bundled at start: none is discovered late, which would reload the page.
    optimizeDeps: {
      include: ['react', 'react/jsx-dev-runtime', 'react-dom/client', '@xstate/react', 'xstate', 'oauth4webapi', 'msw', 'msw/browser'],
    },
    server: { host: '127.0.0.1', port: 5173, strictPort: false },
    preview: { host: '127.0.0.1', port: 4173, strictPort: false },
    // One page carrying React, MSW and the fake providers: larger than an app's usual chunk.
    build: { outDir: path('dist-demo'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1024 },
  }
})
