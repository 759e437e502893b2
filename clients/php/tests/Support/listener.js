#!/usr/bin/env node
'use strict';
/**
 * A real Socket.IO client for the PHPUnit suite: connects to Herald, logs in with the credential
 * given, subscribes to the topics given, acks every durable push, and prints one JSON line per
 * thing that happens: {"type":"login",...}, {"type":"push","event":...,"payload":...},
 * {"type":"acked","seq":...,"answer":...} (the ack's answer: ok once the cursor is
 * committed), {"type":"error",...}. Reconnects (and logs in again) when Herald restarts.
 *
 * usage: node listener.js <url> '<login json>' [topic ...]
 */
const path = require('node:path');
const { io } = require(require.resolve('socket.io-client', { paths: [path.resolve(__dirname, '../../../..')] }));

const [url, loginJson, ...topics] = process.argv.slice(2);
const login = JSON.parse(loginJson);
const print = (line) => process.stdout.write(JSON.stringify(line) + '\n');
const CONTROL = new Set(['login', 'logout', 'kick', 'rejected', 'heartbeat']);

const socket = io(url, { transports: ['websocket'], reconnectionDelay: 200, reconnectionDelayMax: 500 });
socket.on('connect', () => {
  socket.emit('login', login, (answer) => {
    print({ type: 'login', answer });
    for (const topic of topics) socket.emit('subscribe', { topic }, (ok) => print({ type: 'subscribed', topic, answer: ok }));
  });
});
socket.on('connect_error', (err) => print({ type: 'connect_error', message: err.message }));
socket.on('kick', (payload) => print({ type: 'kick', payload }));
socket.onAny((event, payload) => {
  if (CONTROL.has(event)) return;
  print({ type: 'push', event, payload });
  if (payload && typeof payload.seq === 'number') {
    const seq = payload.seq;
    socket.emit('ack', { seq }, (answer) => print({ type: 'acked', seq, answer }));
  }
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
