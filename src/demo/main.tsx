import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { setupWorker } from 'msw/browser'
import { setDemo, type Demo } from './demo.js'
import { createInspector } from './devtools/inspector.js'
import { PROVIDERS } from './providers.js'
import { Shell } from './Shell.js'
import { followEmbeddedProvider } from './world/embedded.js'
import { createWorld } from './world/world.js'
import './styles.css'
// The wizard's default look, as an app imports it (`grantflow/react/styles.css`): after the demo's
// own, so that it wins over them at equal specificity (`:focus-visible` against the dialog's
// `outline: none`), as when the wizard rendered it in a <style> in the body.
import '../react/styles.css'

/** The opener's demo when this page is its consent popup (same origin), so both see one world. */
function openersDemo(): Demo | undefined {
  try {
    return (window.opener as Window | null)?.__grantflowDemo
  } catch {
    return undefined
  }
}

async function startWorld(): Promise<Demo> {
  const world = createWorld(location.origin)
  const worker = setupWorker(...world.handlers)
  worker.events.on('response:mocked', () => world.recordTraffic())
  await worker.start({
    onUnhandledRequest: 'bypass',
    quiet: true,
    serviceWorker: { url: `${import.meta.env.BASE_URL}mockServiceWorker.js` },
  })
  return {
    world,
    inspector: createInspector(world.timeline),
    ...(PROVIDERS === 'embedded' && { embedded: followEmbeddedProvider(world.timeline) }),
  }
}

const demo = openersDemo() ?? (await startWorld())
setDemo(demo)
window.__grantflowDemo = demo
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Shell />
  </StrictMode>,
)
