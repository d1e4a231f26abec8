// A process that starts a Fleet with one stdio upstream, prints the upstream's process group id
// on stdout, then exits without stopping the fleet: the fleet's exit hook must end the group.
import { setTimeout as sleep } from 'node:timers/promises';
import { Fleet } from '../../bridge/fleet/fleet.js';

const fleet = new Fleet();
// Never answers initialize, so it stays `starting`: its process group exists all the same.
const upstream = await fleet.add({
  name: 'lingering',
  transport: 'stdio',
  command: 'sh',
  args: ['-c', 'sleep 1000 & sleep 1000'],
});
while (upstream.pid === undefined) await sleep(10);
process.stdout.write(`${upstream.pid}\n`);
process.exit(0);
