import type { SyncPlugin } from './plugin.js'

/** The part of BroadcastChannel the plugin uses, so a test or another runtime can pass its own. */
export interface BroadcastChannelLike {
  postMessage(message: unknown): void
  onmessage: ((event: { data: unknown }) => void) | null
  close(): void
}

export interface BroadcastSyncOptions {
  /** The channel's name: tabs of one app share it (default `grantflow`). */
  name?: string
  /** Makes the channel (default: the platform's BroadcastChannel). */
  channel?: (name: string) => BroadcastChannelLike
}

const MESSAGE = 'grantflow:session-changed'

/**
 * Keeps the tabs of one origin in step: when one tab refreshes a session or completes a consent,
 * the others' live sessions take its tokens from the shared store (createBrowserStore with
 * `tokenStorage: localStorage`, or any store the tabs share) without a token request of their
 * own, and a wizard waiting on that consent in another tab goes on. Only the session key crosses
 * the channel.
 *
 * @example
 * createGrantflow({ ..., store: createBrowserStore({ tokenStorage: localStorage }), lock: createWebLock(), sync: [createBroadcastSync()] })
 */
export function createBroadcastSync(options: BroadcastSyncOptions = {}): SyncPlugin {
  const channel = (options.channel ?? ((name) => new BroadcastChannel(name) as unknown as BroadcastChannelLike))(options.name ?? 'grantflow')
  return {
    connect(runtime) {
      channel.onmessage = ({ data }) => {
        // Anything else on the channel (another library, a forged message) is ignored.
        const message = data as { type?: unknown; key?: unknown } | null
        if (message?.type === MESSAGE && typeof message.key === 'string') runtime.sessionChanged(message.key)
      }
      return () => channel.close()
    },
    tokensSaved(sessionKey) {
      channel.postMessage({ type: MESSAGE, key: sessionKey })
    },
  }
}
