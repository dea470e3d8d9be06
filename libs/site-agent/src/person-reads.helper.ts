import { parseOrThrow, runFileQuery, runGlobQuery } from '@cairn/contracts';
import { RunFiles } from './run-files';
import { globRun } from './run-glob';

/**
 * The fixed helper the agent runs AS A PERSON (setpriv, see PersonReads) to read that
 * person's workflow run directory: the same checks as the agent's own reads (RunFiles,
 * globRun), with nothing but the person's own rights behind them. Arguments (never a
 * shell): `run-file <runsDir> <query JSON>` or `run-glob <runsDir> <query JSON>`; the
 * answer is one JSON line on stdout, an error one JSON line `{"error": ...}` on stdout and
 * exit 3. The agent parses the answer as the person's claim (it is their process).
 */
export async function personReadsMain(args: readonly string[]): Promise<{ out: string; code: number }> {
  const [op, root, json] = args;
  try {
    if (!root?.startsWith('/') || json === undefined) throw new Error('usage: run-file|run-glob <runsDir> <query JSON>');
    const payload: unknown = JSON.parse(json);
    if (op === 'run-file') return { out: JSON.stringify(await new RunFiles(root).read(parseOrThrow(runFileQuery, payload))), code: 0 };
    if (op === 'run-glob') return { out: JSON.stringify({ paths: await globRun(root, parseOrThrow(runGlobQuery, payload)) }), code: 0 };
    throw new Error(`unknown operation ${JSON.stringify(op)}`);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { out: JSON.stringify({ error: (error as Error).message, ...(typeof code === 'string' ? { code } : {}) }), code: 3 };
  }
}

if (require.main === module) {
  void personReadsMain(process.argv.slice(2)).then(({ out, code }) => {
    process.stdout.write(`${out}\n`);
    process.exitCode = code;
  });
}
