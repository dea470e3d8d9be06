import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SlurmRepository } from '@cairn/adapters/slurm';
import { siteStatusReply } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import { strictMock } from '@cairn/testing';
import { AttemptStore } from './attempt-store';
import type { AttemptSubmitter } from './attempt-submitter';
import { SiteAgent } from './site-agent.service';
import type { SlurmPoller } from './slurm-poller';

const debug = { name: 'debug', isDefault: true, up: true, cpusPerNode: 4, memoryMbPerNode: 7900, nodes: 1, maxTimeSeconds: 3600, gres: [], jobSlots: 4 };

function agent(defaultPartition?: string) {
  let squeues = 0;
  const slurm = strictMock<SlurmRepository>(
    {
      clusterLimits: async () => ({ maxArraySize: 1001, maxJobCount: 10_000 }),
      partitions: async () => [debug],
      listJobs: async () => {
        squeues += 1;
        return [];
      },
    },
    'SlurmRepository',
  );
  const poller = strictMock<SlurmPoller>({ lastQueue: () => ({ pending: 2, running: 3 }) }, 'SlurmPoller');
  const site = new SiteAgent(
    'dev',
    new AttemptStore(mkdtempSync(join(tmpdir(), 'status-'))),
    slurm,
    strictMock<AttemptSubmitter>({ onImageReady: () => undefined }, 'AttemptSubmitter'),
    poller,
    { pollMs: 60_000, retryMs: 60_000 },
    { resourceClasses: {}, ...(defaultPartition ? { defaultPartition } : {}) },
    createLogger('t', 'silent'),
  );
  return { site, squeues: () => squeues };
}

describe('SiteAgent.status (agent.status, for SiteService.ListSites)', () => {
  it("answers Slurm's partitions and MaxArraySize now and the poller's last queue, without an squeue of its own", async () => {
    const { site, squeues } = agent('debug');
    const status = await site.status();
    expect(siteStatusReply.parse(status)).toEqual({
      site: 'dev',
      maxArraySize: 1001,
      partitions: [{ name: 'debug', isDefault: true, up: true, cpusPerNode: 4, memoryMbPerNode: 7900, nodes: 1, maxTimeSeconds: 3600, gres: [] }],
      defaultPartition: 'debug',
      queue: { pending: 2, running: 3 },
    });
    expect(squeues()).toBe(0);
  });

  it('leaves the default partition out when the agent has none (Slurm’s default is marked on its partition)', async () => {
    expect(await agent().site.status()).not.toHaveProperty('defaultPartition');
  });
});
