// Stand-in for px-ns, the export service: listens on 127.0.0.1:$PX_NS_PORT (default 9020; 0 picks a
// free port), answers each connection with one status line, logs it, and writes the port it got to
// $PX_STATE_DIR/px-ns.port. Exits 0 on TERM. Plain Node ESM, no dependencies.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const state = process.env.PX_STATE_DIR ?? '/tmp/supd-demo';
const port = Number(process.env.PX_NS_PORT ?? 9020);
let served = 0;
const open = new Set(); // connections to cut on stop: a client that never closes must not hold it up

const server = createServer((socket) => {
  served += 1;
  open.add(socket);
  socket.on('close', () => open.delete(socket));
  console.log(`px-ns: export request ${served} from ${socket.remoteAddress}:${socket.remotePort}`);
  socket.end(`px-ns: export service ok, ${served} served\n`);
});
server.on('error', (error) => {
  console.error(`px-ns: cannot listen on 127.0.0.1:${port}: ${error.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  const actual = server.address().port;
  mkdirSync(state, { recursive: true });
  writeFileSync(join(state, 'px-ns.port'), `${actual}\n`);
  console.log(`px-ns: export service listening on 127.0.0.1:${actual}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    console.log(`px-ns: stopping after ${served} requests`);
    server.close(() => process.exit(0));
    for (const socket of open) socket.destroy();
    setTimeout(() => process.exit(0), 1000).unref();
  });
}
