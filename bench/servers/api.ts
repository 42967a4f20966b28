// The API the overhead part calls: a process of its own on 127.0.0.1 (port from the OS), so its
// work does not share the client's event loop. Answers a bearer token it knows, 401 otherwise.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serveCommands } from '../lib/measure.js'

const BODY = '{"obligations":[{"periodKey":"#001","status":"O"}]}'
const server = createServer((request, response) => {
  const ok = request.headers.authorization === 'Bearer valid-token'
  response.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' })
  response.end(ok ? BODY : '{}')
})
server.listen(0, '127.0.0.1', () => {
  serveCommands({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }, () => undefined)
})
