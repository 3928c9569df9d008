#!/usr/bin/env node
// A stand-in for qemu-storage-daemon in the target tests: takes the same --blockdev / --chardev /
// --monitor arguments, writes them to args.json in its working directory, and serves a minimal QMP
// monitor on the chardev's unix socket. Block nodes named in the arguments steer it:
//   node-name "exit-at-start"   prints an error and exits 1 before opening the socket
//   node-name "ignore-sigterm"  ignores SIGTERM, as QEMU does after the grouped-transaction hang
//   node-name "never-listen"    never opens the socket
import fs from 'node:fs';
import net from 'node:net';

const args = process.argv.slice(2);
fs.writeFileSync('args.json', JSON.stringify({ args, cwd: process.cwd(), pid: process.pid }));
const nodes = [];
let socketPath;
for (let i = 0; i < args.length; i += 2) {
  if (args[i] === '--blockdev') nodes.push(JSON.parse(args[i + 1])['node-name']);
  if (args[i] === '--chardev') {
    const options = args[i + 1].replaceAll(',,', '\0').split(',').map((s) => s.replaceAll('\0', ','));
    socketPath = options.find((o) => o.startsWith('path=')).slice('path='.length);
  }
}
if (nodes.includes('exit-at-start')) {
  process.stderr.write("qemu-storage-daemon: --blockdev node-name=exit-at-start: Could not open 'nowhere': No such file or directory\n");
  process.exit(1);
}
if (nodes.includes('ignore-sigterm')) process.on('SIGTERM', () => {});
if (nodes.includes('never-listen')) {
  setInterval(() => {}, 1000);
} else {
  const greeting = { QMP: { version: { qemu: { micro: 0, minor: 0, major: 0 }, package: 'fake' }, capabilities: ['oob'] } };
  net
    .createServer((socket) => {
      socket.write(JSON.stringify(greeting) + '\r\n');
      let buffered = '';
      socket.on('data', (chunk) => {
        buffered += chunk;
        let nl;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const command = JSON.parse(buffered.slice(0, nl));
          buffered = buffered.slice(nl + 1);
          const reply = command.execute === 'query-named-block-nodes' ? nodes.map((n) => ({ 'node-name': n })) : {};
          socket.write(JSON.stringify({ return: reply, id: command.id }) + '\r\n');
        }
      });
      socket.on('error', () => {});
    })
    .listen(socketPath);
}
