#!/usr/bin/env node
'use strict';
/**
 * A TCP proxy for the suite that loses answers: the first <cuts> connections are forwarded to
 * Herald, but when Herald answers, the caller's connection is reset instead of getting it — the
 * "push reached Herald, the answer never came back" case. Later connections pass through.
 * Prints the port it listens on, then one line per connection ("cut" or "pass").
 *
 * usage: node cut-proxy.js <target port> <cuts>
 */
const net = require('node:net');

const [targetPort, cutsArg] = process.argv.slice(2);
let cuts = Number(cutsArg);

const server = net.createServer((client) => {
  const cut = cuts > 0;
  if (cut) cuts--;
  process.stdout.write(cut ? 'cut\n' : 'pass\n');
  const upstream = net.connect(Number(targetPort), '127.0.0.1');
  client.pipe(upstream);
  upstream.on('data', (chunk) => {
    if (cut) {
      client.resetAndDestroy();
      upstream.destroy();
    } else {
      client.write(chunk);
    }
  });
  upstream.on('end', () => client.end());
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
  client.on('close', () => upstream.destroy());
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
