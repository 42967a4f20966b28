import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'

// The Redis the tests use: REDIS_URL, else the one on 127.0.0.1's standard port (the project's
// machines and CI run Redis 7 there), else one started here from Debian's redis-server
// (installed with apt-get when missing, as the browser tests install Chromium).

export interface TestRedis {
  url: string
  /** Stops the Redis this process started (none other). */
  stop(): Promise<void>
}

let found: Promise<TestRedis> | undefined

/** The tests' Redis, found or started once per test file. */
export function testRedis(): Promise<TestRedis> {
  return (found ??= findOrStart())
}

/** A key prefix no other test (or run) uses. */
export function uniquePrefix(name: string): string {
  return `grantflow-test:${name}:${randomUUID()}:`
}

/** A port on 127.0.0.1 nothing listens on: a Redis that is down. */
export function closedPort(): Promise<number> {
  return freePort()
}

async function findOrStart(): Promise<TestRedis> {
  for (const url of [process.env.REDIS_URL, 'redis://127.0.0.1:6379'].filter((u): u is string => Boolean(u))) {
    if (await answers(url)) return { url, stop: async () => undefined }
  }
  return startRedis()
}

async function answers(url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null })
  redis.on('error', () => undefined)
  try {
    await redis.connect()
    return (await redis.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    redis.disconnect()
  }
}

async function startRedis(): Promise<TestRedis> {
  return startRedisOn(await freePort())
}

/** Starts a Redis of this process's own on `port` (Debian's redis-server, installed if missing). */
export async function startRedisOn(port: number): Promise<TestRedis> {
  const binary = '/usr/bin/redis-server'
  if (!existsSync(binary)) {
    if (process.getuid?.() !== 0) throw new Error('no Redis answers and redis-server is missing: apt-get install redis-server, or set REDIS_URL')
    execFileSync('apt-get', ['update'], { stdio: 'ignore' })
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'redis-server'], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    })
  }
  const child: ChildProcess = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  const url = `redis://127.0.0.1:${port}`
  for (let attempt = 0; attempt < 100 && !(await answers(url)); attempt++) await new Promise((resolve) => setTimeout(resolve, 100))
  // Stopped with the test process, whatever happens to it.
  process.once('exit', () => child.kill())
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill()
      }),
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}
