/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Which providers the demo runs against, set by vite.demo.config.ts. */
  readonly VITE_PROVIDERS: 'embedded' | 'mock'
}
