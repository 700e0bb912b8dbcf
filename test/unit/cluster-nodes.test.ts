import { describe, expect, it } from 'vitest';
import { parseClusterNodes } from '../../src/redis/cluster-nodes.ts';

// CLUSTER NODES of a 3-master cluster whose first master failed (its replica took over) while
// slot 100 migrates from the second master to the third.
const TABLE = [
  'aaa 127.0.0.1:7000@17000 master,fail - 1700000000000 1700000000000 1 disconnected',
  'bbb 127.0.0.1:7001@17001 myself,master - 0 0 2 connected 5461-10922 [100->-ccc]',
  'ccc 127.0.0.1:7002@17002 master - 0 1700000000000 3 connected 10923-16383 [100-<-bbb]',
  'ddd 127.0.0.1:7003@17003 master - 0 1700000000000 4 connected 0-99 101-5460 100',
  'eee 127.0.0.1:7004@17004 slave bbb 0 1700000000000 2 connected',
  'fff 127.0.0.1:7005@17005,host-f slave ccc 0 1700000000000 3 connected',
  'ggg :0@0 master,noaddr - 0 0 0 disconnected',
  '',
].join('\n');

describe('parseClusterNodes', () => {
  it("lists masters then replicas, with slots owned, up/down and each replica's master", () => {
    expect(parseClusterNodes(TABLE)).toEqual([
      { address: '127.0.0.1:7000', role: 'master', slots: 0, up: false, master: null },
      { address: '127.0.0.1:7001', role: 'master', slots: 5462, up: true, master: null },
      { address: '127.0.0.1:7002', role: 'master', slots: 5461, up: true, master: null },
      { address: '127.0.0.1:7003', role: 'master', slots: 5461, up: true, master: null },
      { address: '127.0.0.1:7004', role: 'replica', slots: 0, up: true, master: '127.0.0.1:7001' },
      { address: '127.0.0.1:7005', role: 'replica', slots: 0, up: true, master: '127.0.0.1:7002' },
    ]);
  });
});
