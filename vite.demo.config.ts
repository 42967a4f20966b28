// The demo (src/demo): `npm run dev` serves it, `npm run build:demo` builds it into dist-demo/.
// The library build and vitest keep using vite.config.ts.
import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'
import { applicationRoute } from './src/demo/server/applicationRoute.ts'
import { alias } from './vite.config.ts'

const path = (relative: string) => fileURLToPath(new URL(relative, import.meta.url))

export default defineConfig({
  root: path('src/demo'),
  // MSW's worker script (npx msw init public), served at /mockServiceWorker.js.
  publicDir: path('public'),
  resolve: { alias },
  plugins: [react(), applicationRoute()],
  // Every dependency pre-bundled at start: none is discovered late, which would reload the page.
  optimizeDeps: {
    include: ['react', 'react/jsx-dev-runtime', 'react-dom/client', '@xstate/react', 'xstate', 'oauth4webapi', 'msw', 'msw/browser'],
  },
  server: { host: '127.0.0.1', port: 5173, strictPort: false },
  preview: { host: '127.0.0.1', port: 4173, strictPort: false },
  // One page carrying React, MSW and the fake providers: larger than an app's usual chunk.
  build: { outDir: path('dist-demo'), emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1024 },
})
