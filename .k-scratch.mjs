import { spawn } from 'node:child_process';
for (const [file, cwd] of [[process.execPath, '/tmp/os-scratch/locked'], ['/tmp/os-scratch/rootonly', '/tmp']]) {
  const c = spawn(file, [], { cwd, uid: 65534, gid: 65534, detached: true, stdio: 'pipe' });
  console.log(file, 'pid', c.pid, c._handle && c._handle.pid);
  for (const ev of ['spawn', 'exit', 'error', 'close']) c.on(ev, (...a) => console.log(file, ev, a.map(String)));
}
setTimeout(() => {}, 1000);
