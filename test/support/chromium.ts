import type { LaunchOptions } from 'playwright-core'

/** Debian's Chromium, which the browser tests drive (test/e2e/ensure-chromium.sh installs it). */
export const CHROMIUM = '/usr/bin/chromium'

/** Chromium's flags here: headless as root, and none of its own network traffic (the machine has none). */
export const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export const LAUNCH: LaunchOptions = { executablePath: CHROMIUM, args: ARGS, headless: true }
