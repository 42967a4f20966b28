// A part of the bench that measures grantflow's own speed runs it as an app does: built (esbuild,
// code split where grantflow loads on first need) and run by plain Node, in a child process. Run
// from its TypeScript source under tsx instead, each `import()` is answered by tsx's resolve hook
// (100–275 µs, against ~10 µs in Node alone), a cost no user's app pays.
import { fork } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

/**
 * Builds `bench/built/<entry>` and runs it in a child with plain Node, handing it `input` (as JSON,
 * its first argument); resolves with the first message it sends. The build sits one folder below
 * bench/ (as startChild expects of its callers) and is removed after.
 */
export async function runBuilt<T>(entry: string, input: unknown): Promise<T> {
  const outdir = fileURLToPath(new URL(`../.built-${process.pid}/`, import.meta.url))
  try {
    await build({
      entryPoints: [fileURLToPath(new URL(`../built/${entry}`, import.meta.url))],
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Dependencies load from node_modules, as an app's do; grantflow's own modules are built.
      packages: 'external',
      outdir,
      logLevel: 'warning',
    })
    // No loader in the child: neither this process's (tsx's --import) nor one in NODE_OPTIONS.
    const env = { ...process.env }
    delete env.NODE_OPTIONS
    const child = fork(join(outdir, entry.replace(/\.ts$/, '.js')), [JSON.stringify(input)], {
      execArgv: [],
      env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    return await new Promise<T>((resolve, reject) => {
      child.once('error', reject)
      child.once('exit', (code) => reject(new Error(`${entry} exited (${code}) before it answered`)))
      child.once('message', (message) => {
        child.removeAllListeners('exit')
        resolve(message as T)
      })
    })
  } finally {
    rmSync(outdir, { recursive: true, force: true })
  }
}
