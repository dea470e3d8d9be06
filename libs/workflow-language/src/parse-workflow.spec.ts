import { WorkflowError } from './workflow.errors';
import { parseWorkflow } from './parse-workflow';
import { topologicalOrder } from './workflow-graph';

const ACTIVE_LEARNING = `version: 1
name: active-learning
defaults:
  image: lab/python-numpy:1
  resources: { cpus: 1, memory: 1G, time: 10m }
params:
  pool_size: 10000
steps:
  prepare:
    command: [python3, prepare.py, --pool, "\${{ params.pool_size }}"]
    outputs: { pool: pool.npy, seed: seed.json }
  learn:
    needs: [prepare]
    loop:
      maxIterations: 20
      maxWallTime: 2h
      until: "val_accuracy >= 0.95 or labelled > 5000"
      metrics: \${{ steps.evaluate.outputs.metrics }}
      steps:
        train:
          command: [python3, train.py, --pool, "\${{ steps.prepare.outputs.pool }}", --iteration, "\${{ loop.iteration }}"]
          resources: { gpus: 1, gpuType: a100, time: 30m }
          outputs: { model: model.npz }
          checkpoint: { path: ckpt/ }
        evaluate:
          command: [python3, evaluate.py, "\${{ steps.train.outputs.model }}"]
          outputs: { metrics: metrics.json }
        select:
          decide: true
          command: [python3, select.py, "\${{ steps.train.outputs.model }}"]
          outputs: { next: next.json }
  sweep:
    needs: [learn]
    array: { range: { from: 0, to: 9999 }, targetDuration: 10m, itemEstimate: 2s, throttle: 64 }
    command: [python3, score.py, "\${{ item }}"]
    retries: { max: 2, backoff: 30s }
`;

function problemsOf(text: string, file = 'wf.yaml'): string[] {
  try {
    parseWorkflow(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowError);
    return (error as WorkflowError).message.split('\n');
  }
  throw new Error('expected the workflow to be refused');
}

describe('parseWorkflow', () => {
  it('reads a workflow with a loop, an array and references, converting durations and sizes', () => {
    const wf = parseWorkflow(ACTIVE_LEARNING, 'al.yaml');
    expect(wf.defaults?.resources).toEqual({ cpus: 1, memory: 1024, time: 600 });
    expect(wf.steps['learn']?.loop?.maxWallTime).toBe(7200);
    expect(wf.steps['sweep']?.array).toEqual({ range: { from: 0, to: 9999, step: 1 }, targetDuration: 600, itemEstimate: 2, throttle: 64 });
    expect(topologicalOrder(wf.steps)).toEqual(['prepare', 'learn', 'sweep']);
    expect(topologicalOrder(wf.steps['learn']?.loop?.steps ?? {})).toEqual(['train', 'evaluate', 'select']);
  });

  it('reads the same workflow written as JSON', () => {
    const json = JSON.stringify({ version: 1, name: 'j', steps: { a: { image: 'lab/busybox:1.36', command: ['/bin/true'] } } });
    expect(parseWorkflow(json, 'wf.json').steps['a']?.command).toEqual(['/bin/true']);
  });

  it('reports bad YAML with its line', () => {
    expect(problemsOf('version: 1\nname: x\nsteps:\n  a: [unclosed\n')[0]).toMatch(/^wf\.yaml:\d+:\d+: not valid YAML: /);
  });

  it('reports duplicate keys', () => {
    expect(problemsOf('version: 1\nname: x\nname: y\nsteps: {}\n')[0]).toMatch(/^wf\.yaml:3:1: not valid YAML: Map keys must be unique/);
  });

  it('names an unknown field with its line and column, and suggests the right one', () => {
    const text = 'version: 1\nname: x\nsteps:\n  a:\n    image: lab/busybox:1.36\n    comand: [/bin/true]\n';
    expect(problemsOf(text)).toEqual([
      'wf.yaml:6:5: steps.a.comand: unknown field "comand"; did you mean "command"?',
      'wf.yaml:4:3: steps.a.command: is required (or make this a loop step)',
    ]);
  });

  it('locates impossible resources and hostile names', () => {
    const text = [
      'version: 1',
      'name: "$(touch /tmp/pwned)"',
      'steps:',
      '  a:',
      '    image: lab/busybox:1.36',
      '    command: [/bin/echo, "x\\n#SBATCH --uid=0"]',
      '    resources: { cpus: 5000, memory: 40T, time: 45d }',
    ].join('\n');
    expect(problemsOf(text)).toEqual([
      'wf.yaml:2:1: name: must be a workflow name: letters, digits, ".", "-" and "_"',
      'wf.yaml:6:26: steps.a.command[1]: contains a newline; control characters are not allowed',
      'wf.yaml:7:18: steps.a.resources.cpus: must be at most 1024',
      'wf.yaml:7:30: steps.a.resources.memory: must be at most 16 TiB',
      'wf.yaml:7:43: steps.a.resources.time: must be at most 30 days',
    ]);
  });

  it('finds cycles and names them', () => {
    const text = [
      'version: 1',
      'name: x',
      'defaults: { image: lab/busybox:1.36 }',
      'steps:',
      '  a: { command: [run, "${{ steps.c.outputs.o }}"], outputs: { o: o.txt } }',
      '  b: { command: [run], needs: [a], outputs: { o: o.txt } }',
      '  c: { command: [run], needs: [b], outputs: { o: o.txt } }',
    ].join('\n');
    expect(problemsOf(text)).toEqual(['wf.yaml:5:3: steps.a: steps form a cycle: a → c → b → a']);
  });

  it('refuses unknown steps, unknown outputs, stray references and missing images', () => {
    const text = [
      'version: 1',
      'name: x',
      'steps:',
      '  a:',
      '    command: [run, "${{ item }}", "${{ steps.b.outputs.nope }}", "${{ eval(1) }}"]',
      '    needs: [ghost]',
      '  b:',
      '    image: lab/busybox:1.36',
      '    command: [run]',
      '    outputs: { out: out.txt }',
    ].join('\n');
    expect(problemsOf(text)).toEqual([
      'wf.yaml:5:5: steps.a.command: has no image: set image here or defaults.image',
      'wf.yaml:6:13: steps.a.needs[0]: unknown step "ghost"; steps here: a, b',
      'wf.yaml:5:20: steps.a.command[1]: "${{ item }}" is only defined in a step with an array',
      'wf.yaml:5:35: steps.a.command[2]: step "b" has no output "nope" (it has out)',
      'wf.yaml:5:66: steps.a.command[3]: unknown reference "${{ eval(1) }}" (use item, steps.<step>.outputs.<name>, loop.iteration or params.<name>)',
    ]);
  });

  it('checks loops: a parsable condition over metrics of a step inside the loop', () => {
    const text = [
      'version: 1',
      'name: x',
      'defaults: { image: lab/busybox:1.36 }',
      'steps:',
      '  outside: { command: [run], outputs: { m: m.json } }',
      '  l:',
      '    loop:',
      '      maxIterations: 3',
      '      until: "loss <"',
      '      metrics: ${{ steps.outside.outputs.m }}',
      '      steps:',
      '        t: { command: [run] }',
    ].join('\n');
    expect(problemsOf(text)).toEqual([
      'wf.yaml:9:7: steps.l.loop.until: not a condition: the condition ends too early',
      'wf.yaml:10:7: steps.l.loop.metrics: must be an output of a step inside the loop, not "outside"',
    ]);
  });

  it('keeps outputs inside the step directory', () => {
    const text = 'version: 1\nname: x\nsteps:\n  a:\n    image: lab/busybox:1.36\n    command: [run]\n    outputs: { o: ../../etc/passwd, p: /etc/shadow }\n';
    expect(problemsOf(text)).toEqual([
      'wf.yaml:7:16: steps.a.outputs.o: must be a relative path inside the step directory, without ".."',
      'wf.yaml:7:37: steps.a.outputs.p: must be a relative path inside the step directory, without ".."',
    ]);
  });

  it('needs exactly one item source in an array', () => {
    const text = 'version: 1\nname: x\nsteps:\n  a:\n    image: lab/busybox:1.36\n    command: [run]\n    array: { items: [1], glob: "*.csv" }\n';
    expect(problemsOf(text)).toEqual([
      'wf.yaml:7:5: steps.a.array: needs exactly one item source (items, range, glob, lines or from); found items, glob',
    ]);
  });

  it('refuses a file over 256 KiB and an alias bomb', () => {
    expect(problemsOf(`# ${'x'.repeat(256 * 1024)}\n`)[0]).toBe('wf.yaml:1:1: the file is larger than 262144 bytes');
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`)].join('\n');
    expect(problemsOf(bomb)[0]).toMatch(/^wf\.yaml:1:1: .*alias/i);
  });
});
