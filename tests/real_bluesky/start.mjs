// Start the reference Bluesky stack (PLC + PDS + AppView from @atproto/dev-env)
// on loopback, print one JSON line when ready, and run
// until stdin closes (the pytest fixture holds it open) or SIGTERM.
//
// Environment: DB_POSTGRES_URL, REDIS_HOST (host:port), PDS_PORT, BSKY_PORT, PLC_PORT.
import { TestNetwork } from '@atproto/dev-env'

const port = (name) => Number(process.env[name])

const network = await TestNetwork.create({
  dbPostgresSchema: 'oyez',
  pds: { port: port('PDS_PORT'), hostname: 'localhost' },
  bsky: { port: port('BSKY_PORT') },
  plc: { port: port('PLC_PORT') },
})

await network.processAll()

process.stdout.write(
  JSON.stringify({
    pds_url: network.pds.url,
    appview_url: network.bsky.url,
    plc_url: network.plc.url,
  }) + '\n',
)

let closing = false
const shutdown = async () => {
  if (closing) return
  closing = true
  try {
    await network.close()
  } finally {
    process.exit(0)
  }
}
process.stdin.on('end', shutdown)
process.stdin.on('close', shutdown)
process.stdin.resume()
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
