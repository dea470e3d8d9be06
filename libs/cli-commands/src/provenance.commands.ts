import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { basename } from 'node:path';
import { finished } from 'node:stream/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import pc from 'picocolors';
import type { ExportFormatName, LineageStart, ProvenanceClient, WorkflowsClient } from '@cairn/client';
import { UsageError } from './cli.errors';
import { renderLineage, renderRunSummary } from './provenance-view';
import { shown } from './render';
import { parseParams } from './template.commands';
import type { Output } from './watch-view';
import { watch } from './workflow.commands';
import { runModel } from './workflow-watch';

export interface ProvenanceCliIo {
  out: Output;
  client: () => Pick<ProvenanceClient, 'getRunGraph' | 'lineageAll' | 'exportRun' | 'rerun'>;
  /** For `rerun --watch`: the new run, followed as `cairn workflow watch` does. */
  workflows: () => Pick<WorkflowsClient, 'getWorkflow' | 'watchWorkflow'>;
  setExitCode: (code: number) => void;
  /** Aborts on Ctrl-C: an export stops (nothing partial is left), a watch stops (the run goes on). */
  signal: AbortSignal;
  now?: () => number;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function parseDepth(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 50) throw new InvalidArgumentError(`"${text}" is not a depth: a whole number 1..50`);
  return Number(text);
}

/** The start of a walk: the node id argument, or --sha256, or --image; exactly one. */
function lineageStart(nodeId: string | undefined, opts: { sha256?: string; image?: string }): LineageStart {
  const starts: LineageStart[] = [
    ...(nodeId ? [{ nodeId }] : []),
    ...(opts.sha256 ? [{ sha256: opts.sha256 }] : []),
    ...(opts.image ? [{ imageDigest: opts.image }] : []),
  ];
  const [start] = starts;
  if (starts.length !== 1 || !start) throw new UsageError('give exactly one start: a node id, --sha256 <hash> or --image sha256:<digest>');
  return start;
}

/** Bytes as "12.3 MiB". */
function amount(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** `cairn provenance ...`: a run's provenance (show), lineage, export and re-run. */
export function provenanceCommands(io: ProvenanceCliIo): Command {
  const provenance = new Command('provenance').description('who ran what, with which software and data: show a run\'s provenance, walk its lineage, export it, re-run it');
  const now = io.now ?? Date.now;

  provenance
    .command('show')
    .description('a run\'s provenance: who ran it, the workflow file\'s hash, parameters, images by digest, what ran, outputs with their hashes')
    .argument('<run-id>', 'a workflow run (or a job outside any workflow)')
    .option('--json', 'print the whole graph (nodes and edges) as JSON')
    .action(async (runId: string, opts: { json?: boolean }) => {
      const graph = await io.client().getRunGraph(runId);
      io.out.write(opts.json ? `${JSON.stringify(graph, null, 2)}\n` : renderRunSummary(graph));
    });

  provenance
    .command('lineage')
    .description('walk the graph from a node, a file\'s sha256 or an image digest: upstream (what it came from) or --downstream (what came from it)')
    .argument('[node-id]', 'a node id from `cairn provenance show --json` or an earlier walk')
    .option('--sha256 <hash>', 'start from every file with this content hash')
    .option('--image <digest>', 'start from the image with this digest (sha256:<hex>)')
    .option('--downstream', 'walk downstream (default: upstream)')
    .option('--depth <n>', 'relations to follow, 1..50', parseDepth, 10)
    .option('--json', 'print the walk as JSON')
    .action(async (nodeId: string | undefined, opts: { sha256?: string; image?: string; downstream?: boolean; depth: number; json?: boolean }) => {
      const direction = opts.downstream ? 'downstream' : 'upstream';
      const walk = await io.client().lineageAll(lineageStart(nodeId, opts), { direction, maxDepth: opts.depth });
      io.out.write(opts.json ? `${JSON.stringify(walk, null, 2)}\n` : renderLineage(walk, direction, opts.depth));
    });

  provenance
    .command('export')
    .description('export a run\'s provenance as W3C PROV-JSON or as a Workflow Run RO-Crate (zip)')
    .argument('<run-id>')
    .addOption(new Option('-f, --format <format>', 'prov-json or ro-crate').choices(['prov-json', 'ro-crate']).makeOptionMandatory())
    .option('-o, --output <file>', 'where to write it ("-": standard output; default: the suggested name, e.g. <run>.crate.zip, here)')
    .action(async (runId: string, opts: { format: ExportFormatName; output?: string }) => {
      const chunks = io.client().exportRun(runId, opts.format, io.signal);
      if (opts.output === '-') {
        // Text only: a zip on a terminal or through a text pipe is no use.
        if (opts.format !== 'prov-json') throw new UsageError('an RO-Crate is a zip: write it to a file (-o FILE)');
        const text = new TextDecoder('utf-8', { fatal: true });
        for await (const chunk of chunks) io.out.write(text.decode(chunk.data, { stream: true }));
        io.out.write(text.decode());
        return;
      }
      await exportToFile(io, chunks, opts.output, now);
    });

  provenance
    .command('rerun')
    .description('run a recorded run again as you: the same file, parameters (unless --param), images by digest and site; prints the new run id')
    .argument('<run-id>')
    .option('-p, --param <name=value>', 'change a parameter (repeat for more); the value is read as the recorded one\'s type', collect, [])
    .option('-a, --account <account>', 'the Slurm account to charge (default: the recorded run\'s if it is yours, else your default)')
    .option('--request-id <key>', 'idempotency key: re-running again with it returns the same new run')
    .option('-w, --watch', 'then follow the new run until it ends (exit 0 if it succeeded, 1 if not)')
    .option('--json', 'print the reply as JSON')
    .action(async (runId: string, opts: { param: string[]; account?: string; requestId?: string; watch?: boolean; json?: boolean }) => {
      const reply = await io.client().rerun(runId, { params: parseParams(opts.param), ...(opts.account ? { account: opts.account } : {}), ...(opts.requestId ? { requestId: opts.requestId } : {}) });
      io.out.write(opts.json ? `${JSON.stringify(reply, null, 2)}\n` : `${pc.green('submitted')} ${reply.runId} ${pc.dim(`(a re-run of ${reply.rerunOf})`)}\n`);
      if (!opts.watch) {
        if (!opts.json) io.out.write(pc.dim(`follow it: cairn workflow watch ${reply.runId}\n`));
        return;
      }
      const run = await io.workflows().getWorkflow(reply.runId);
      await watch({ out: io.out, client: io.workflows, setExitCode: io.setExitCode, signal: io.signal }, runModel({ ...run, steps: [], iterations: [] }), now);
    });

  return provenance;
}

/**
 * Writes the export to `file` (default: the name the gateway suggests, in the current
 * directory) through `<file>.part`, renamed when complete: an interrupted export leaves
 * nothing behind. On a terminal a line shows the bytes so far.
 */
async function exportToFile(io: ProvenanceCliIo, chunks: AsyncIterable<{ data: Uint8Array; fileName: string }>, output: string | undefined, now: () => number): Promise<void> {
  let file = output;
  let part: string | undefined;
  let stream: ReturnType<typeof createWriteStream> | undefined;
  let bytes = 0;
  const started = now();
  try {
    for await (const chunk of chunks) {
      if (!stream) {
        // The suggested name, without any directory part (never written outside here).
        file ??= basename(chunk.fileName) || 'export';
        part = `${file}.part`;
        stream = createWriteStream(part);
      }
      bytes += chunk.data.length;
      if (!stream.write(chunk.data)) await new Promise<void>((resolve) => stream?.once('drain', () => resolve()));
      if (io.out.isTTY) io.out.write(`\r${pc.dim(`exporting ${amount(bytes)}`)}`);
    }
    if (io.signal.aborted) throw new UsageError('export interrupted; nothing written');
    if (!stream || !part || !file) throw new Error('the gateway sent no export');
    stream.end();
    await finished(stream);
    await rename(part, file);
  } catch (error) {
    if (stream) {
      // Closed (its file opened and closed again) before the file goes: else it could come back.
      stream.destroy();
      await finished(stream).catch(() => undefined);
    }
    if (part) await unlink(part).catch(() => undefined);
    throw error;
  }
  const seconds = ((now() - started) / 1000).toFixed(1);
  io.out.write(`${io.out.isTTY ? '\r\u001b[2K' : ''}${pc.green('exported')} ${shown(file)} ${pc.dim(`(${amount(bytes)} in ${seconds}s)`)}\n`);
}
