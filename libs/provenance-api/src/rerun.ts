import {
  CairnError,
  describeControl,
  excerpt,
  parseOrThrow,
  type pb,
  type PlanWorkflowCommand,
  type Principal,
  requestIdSchema,
  type RunSourceReply,
  slurmAccountName,
} from '@cairn/contracts';
import { fillParams, fillProblems, type ParamValue, pinImages } from '@cairn/workflow-language';
import { toRunId } from './provenance.mapper';

/** Longest text given for one parameter of a re-run. */
export const MAX_RERUN_PARAM_CHARS = 1024;
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/** A RerunRequest checked: which run, the text of each override, the account asked for and the request id. */
export interface RerunAsk {
  runId: string;
  params: ReadonlyMap<string, string>;
  account?: string;
  requestId?: string;
}

export function toRerunAsk(request: pb.RerunRequest): RerunAsk {
  const runId = toRunId(request.runId);
  const params = new Map(Object.entries(request.params));
  for (const [name, text] of params) {
    if (text.length > MAX_RERUN_PARAM_CHARS) throw new CairnError('INVALID_ARGUMENT', `params[${excerpt(name, 64)}]: is longer than ${MAX_RERUN_PARAM_CHARS} characters`);
  }
  return {
    runId,
    params,
    ...(request.account ? { account: parseOrThrow(slurmAccountName, request.account, 'account') } : {}),
    ...(request.requestId ? { requestId: parseOrThrow(requestIdSchema, request.requestId, 'request_id') } : {}),
  };
}

/** One override as the recorded value's type; a refusal names the parameter. */
function typed(name: string, text: string, recorded: ParamValue): ParamValue {
  const problem = (why: string) => new CairnError('INVALID_ARGUMENT', `params[${excerpt(name, 64)}]: ${why}`);
  if (typeof recorded === 'number') {
    if (!NUMBER.test(text)) throw problem(`must be a number (the recorded value is ${recorded}), not ${excerpt(text, 64)}`);
    const value = Number(text);
    if (!Number.isFinite(value)) throw problem(`must be a finite number, not ${excerpt(text, 64)}`);
    return value;
  }
  if (typeof recorded === 'boolean') {
    if (text !== 'true' && text !== 'false') throw problem(`must be true or false (the recorded value is ${recorded}), not ${excerpt(text, 64)}`);
    return text === 'true';
  }
  const control = describeControl(text);
  if (control) throw problem(`contains ${control}; control characters are not allowed`);
  return text;
}

/** The overrides as the recorded parameters' types, every problem listed; an unknown name is refused. */
export function typedOverrides(recorded: RunSourceReply['params'], given: ReadonlyMap<string, string>): Map<string, ParamValue> {
  const values = new Map<string, ParamValue>();
  const problems: string[] = [];
  for (const [name, text] of given) {
    if (!Object.hasOwn(recorded, name)) {
      problems.push(`params[${excerpt(name, 64)}]: the recorded run has no such parameter${Object.keys(recorded).length ? ` (it has ${Object.keys(recorded).sort().join(', ')})` : ''}`);
      continue;
    }
    try {
      values.set(name, typed(name, text, recorded[name] as ParamValue));
    } catch (error) {
      if (!(error instanceof CairnError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) throw new CairnError('INVALID_ARGUMENT', problems.join('\n'));
  return values;
}

/** The recorded file with the overrides set and every image pinned to the digest the run used (structural edits only). */
export function rerunSource(recorded: RunSourceReply, overrides: ReadonlyMap<string, string>): string {
  // A job outside any workflow is recorded without a file (its run source is empty): it has nothing to re-run.
  if (recorded.source === '') throw new CairnError('FAILED_PRECONDITION', `run ${recorded.runId} is a job outside any workflow: it has no workflow file to re-run (submit the job again)`);
  const values = typedOverrides(recorded.params, overrides);
  // An entry another part of the file refers to (an anchor) cannot be replaced alone.
  const anchored = fillProblems(recorded.source, [...values.keys()]);
  if (anchored.length > 0) throw new CairnError('FAILED_PRECONDITION', `the recorded file's parameters cannot be changed structurally: ${anchored.join('; ')}`);
  const pins = new Map(recorded.images.map((image) => [image.reference, image.imageRef]));
  return pinImages(fillParams(recorded.source, values), pins);
}

/** The account a re-run is charged to: the one asked for; else the recorded run's if the caller holds it; else the caller's default (undefined). */
export function rerunAccount(asked: string | undefined, recorded: RunSourceReply, caller: Principal): string | undefined {
  if (asked) return asked;
  return recorded.account && caller.accounts.includes(recorded.account) ? recorded.account : undefined;
}

const FILE_NAME = /^[A-Za-z0-9._/-]{1,255}$/;

/** The submission of a re-run, but for who calls: the rewritten file, under its recorded name, at the recorded site. */
export function rerunCommand(recorded: RunSourceReply, overrides: ReadonlyMap<string, string>, defaultSite: string): Omit<PlanWorkflowCommand, 'caller' | 'peer' | 'rpc'> {
  return {
    source: rerunSource(recorded, overrides),
    fileName: FILE_NAME.test(recorded.fileName) ? recorded.fileName : 'workflow',
    site: recorded.site,
    defaultSite,
  };
}
