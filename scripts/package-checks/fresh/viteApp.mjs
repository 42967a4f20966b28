// Fresh project (a): a Vite React app with grantflow/dev's Vite plugin, from the README's
// vite.config.ts and main.tsx quickstarts: `vite build`, then the dev server serving the app's page
// and the local provider, and one call through that provider (a Node runtime, a headless consent).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createFreshProject, readmeBlock, runNode } from './project.mjs'

/** What this user installs (README: `react react-dom`, and `oidc-provider` and `vite` for grantflow/dev). */
export const vitePackages = ['react', 'react-dom', 'oidc-provider', 'vite']

/** Vite's own start page, as `npm create vite` makes it: the README's main.tsx is its script. */
const indexHtml = `<!doctype html>
<html lang="en">
  <head><meta charset="UTF-8" /><title>fresh app</title></head>
  <body>
    <div id="root"></div>
    <script type="module" src="/src/main.tsx"></script>
  </body>
</html>
`

export async function checkViteApp({ work, tarball, manifest, readme }) {
  const dir = createFreshProject({
    dir: join(work, 'fresh-vite'),
    tarball,
    manifest,
    packages: vitePackages,
    files: {
      'index.html': indexHtml,
      'vite.config.ts': readmeBlock(readme, 'vite.config.ts'),
      'src/main.tsx': readmeBlock(readme, 'main.tsx'),
      'serve.mjs': readFileSync(new URL('./viteApp.serve.mjs', import.meta.url), 'utf8'),
      'consent.mjs': readFileSync(new URL('./viteApp.consent.mjs', import.meta.url), 'utf8'),
    },
  })
  return (await runNode(dir, 'serve.mjs')).trim().split('\n').at(-1)
}
