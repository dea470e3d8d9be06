import { stripVTControlCharacters } from 'node:util';
import type { pb } from '@cairn/contracts';
import { usageCommand } from './usage.commands';

const usage = (name: string, used: number, limit: number, setting: string): pb.RunUsage => ({ name, used, limit, setting });
const jobs: pb.GetJobUsageResponse = {
  person: usage('alice', 3, 1000, 'CAIRN_MAX_ACTIVE_JOBS_PER_PERSON'),
  projects: [usage('alice-lab', 3, 5000, 'CAIRN_MAX_ACTIVE_JOBS_PER_PROJECT'), usage('genomics', 5000, 5000, 'CAIRN_MAX_ACTIVE_JOBS_PER_PROJECT')],
};
const workflows: pb.GetWorkflowUsageResponse = { person: usage('alice', 0, 100, 'CAIRN_MAX_RUNNING_WORKFLOWS_PER_PERSON'), projects: [] };

async function run(args: string[], answers: { jobs: pb.GetJobUsageResponse; workflows: pb.GetWorkflowUsageResponse }) {
  const output: string[] = [];
  const command = usageCommand({
    out: { write: (s) => void output.push(s), isTTY: false },
    jobs: () => ({ getJobUsage: async () => answers.jobs }),
    workflows: () => ({ getWorkflowUsage: async () => answers.workflows }),
  });
  command.exitOverride();
  await command.parseAsync(args, { from: 'user' });
  return stripVTControlCharacters(output.join(''));
}

describe('cairn limits', () => {
  it('prints one row per limit: yours and each account, used / limit with a bar and the setting; a full one says new ones are refused', async () => {
    const lines = (await run([], { jobs, workflows })).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ +WHOSE +USED \/ LIMIT +SETTING$/);
    expect(lines[1]).toMatch(/^jobs +you \(alice\) +3 \/ 1000 +▏░{19} +CAIRN_MAX_ACTIVE_JOBS_PER_PERSON$/);
    expect(lines[2]).toMatch(/^jobs +account alice-lab +3 \/ 5000 +▏░{19} +CAIRN_MAX_ACTIVE_JOBS_PER_PROJECT$/);
    expect(lines[3]).toMatch(/^jobs +account genomics +5000 \/ 5000 +█{20} +full: new ones are refused$/);
    expect(lines[4]).toMatch(/^workflow runs +you \(alice\) +0 \/ 100 +░{20} +CAIRN_MAX_RUNNING_WORKFLOWS_PER_PERSON$/);
    expect(lines).toHaveLength(5);
  });

  it('--json prints both answers as they came', async () => {
    expect(JSON.parse(await run(['--json'], { jobs, workflows }))).toEqual({ jobs, workflows });
  });

  it('never shows the control characters a name or an account could carry', async () => {
    const text = await run([], { jobs: { person: usage('a\u001b[2Jb', 1, 2, 'S'), projects: [usage('x\u0007\u001b]0;t\u0007', 0, 1, 'S')] }, workflows });
    const controls = Array.from(text).filter((c) => c !== '\n' && (c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f));
    expect(controls).toEqual([]);
  });
});
