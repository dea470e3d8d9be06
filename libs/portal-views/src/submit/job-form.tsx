import { Code, ConnectError } from '@connectrpc/connect';
import { client, draftString, JobService } from '@cairn/portal-client';
import { AccountPicker, ErrorMessage } from '@cairn/portal-ui';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useId, useMemo, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { checkJobForm, EMPTY_JOB_FORM, type JobFormErrors, type JobFormFields, JOB_FORM_LIMITS as L } from './job-form-model';
import { newRequestId, useDraft } from './use-draft';

interface JobDraft extends JobFormFields {
  account: string;
}

const FIELDS: readonly (keyof JobDraft)[] = ['name', 'image', 'command', 'env', 'cpus', 'memory', 'time', 'partition', 'items', 'itemsPerElement', 'throttle', 'account'];

const parseDraft = (v: unknown): JobDraft | undefined => {
  if (typeof v !== 'object' || v === null) return undefined;
  const out: JobDraft = { ...EMPTY_JOB_FORM, account: '' };
  for (const field of FIELDS) out[field] = draftString(v, field);
  return out;
};

interface FieldProps {
  readonly name: keyof JobFormFields;
  readonly label: string;
  readonly help?: string;
  readonly rows?: number;
  readonly draft: JobDraft;
  readonly errors: JobFormErrors;
  readonly onChange: (name: keyof JobFormFields, value: string) => void;
  readonly placeholder?: string;
  readonly inputMode?: 'numeric' | 'text';
}

function Field({ name, label, help, rows, draft, errors, onChange, placeholder, inputMode }: FieldProps) {
  const id = `${useId()}-${name}`;
  const error = errors[name];
  const described = [help === undefined ? '' : `${id}-help`, error === undefined ? '' : `${id}-error`].filter((s) => s !== '').join(' ');
  const common = {
    id,
    name,
    value: draft[name],
    placeholder,
    'aria-describedby': described === '' ? undefined : described,
    'aria-invalid': error !== undefined,
    spellCheck: false,
    autoComplete: 'off',
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {rows === undefined ? (
        <input type="text" inputMode={inputMode} {...common} onChange={(e) => onChange(name, e.target.value)} />
      ) : (
        <textarea rows={rows} {...common} onChange={(e) => onChange(name, e.target.value)} />
      )}
      {help !== undefined && (
        <p id={`${id}-help`} className="field-help">
          {help}
        </p>
      )}
      {error !== undefined && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

/**
 * The job form: image, command as an argument vector (one argument per line, never a shell
 * string), environment, resources, array items, account. The form is checked against the
 * documented limits before it is sent; the server's refusal is shown as it said it. The
 * fields are a draft in sessionStorage until the job is submitted.
 */
export function JobForm() {
  const navigate = useNavigate();
  const [draft, setDraft, discardDraft] = useDraft<JobDraft>('submit.job', parseDraft, () => ({ ...EMPTY_JOB_FORM, account: '' }));
  const [shownErrors, setShownErrors] = useState<JobFormErrors>({});
  const summary = useRef<HTMLDivElement>(null);
  const requestId = useMemo(() => newRequestId(), [draft]);

  const change = (name: keyof JobFormFields, value: string) => {
    setDraft({ ...draft, [name]: value });
    // A field's message goes as soon as it is edited; the rest stay until the next submit.
    if (shownErrors[name] !== undefined || shownErrors.total !== undefined) {
      const rest = { ...shownErrors };
      delete rest[name];
      delete rest.total;
      setShownErrors(rest);
    }
  };

  const submit = useMutation({
    mutationFn: async (spec: NonNullable<ReturnType<typeof checkJobForm>['spec']>) =>
      client(JobService).submitJob({ spec, requestId, account: draft.account }),
    onSuccess: (response) => {
      discardDraft();
      const id = response.job?.jobId;
      if (id) void navigate(`/jobs/${encodeURIComponent(id)}`);
    },
  });

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const { errors, spec } = checkJobForm(draft);
    setShownErrors(errors);
    if (spec === undefined) {
      summary.current?.focus();
      return;
    }
    submit.mutate(spec);
  };

  const error = submit.error === null ? undefined : ConnectError.from(submit.error);
  const accountError = error?.code === Code.PermissionDenied ? error.rawMessage : undefined;
  const errorCount = Object.keys(shownErrors).length;
  const props = { draft, errors: shownErrors, onChange: change };

  return (
    <section aria-labelledby="job-heading">
      <h2 id="job-heading">Job</h2>
      <form onSubmit={onSubmit} noValidate aria-describedby="job-form-help">
        <p id="job-form-help" className="field-help">
          One containerised command on the cluster, or the same command once per item (a Slurm array job). Resources left empty take the
          site's defaults.
        </p>
        <div ref={summary} tabIndex={-1} aria-live="polite">
          {errorCount > 0 && (
            <p className="field-error">
              Nothing was submitted: {errorCount === 1 ? 'one field needs' : `${errorCount} fields need`} a change (see below).
              {shownErrors.total !== undefined ? ` ${shownErrors.total}.` : ''}
            </p>
          )}
        </div>
        <Field name="image" label="Image" help="An image reference, e.g. lab/cairn-examples:1 (without a host: the site's registry). Cairn pins it to a digest." {...props} />
        <Field
          name="command"
          label="Command (one argument per line)"
          rows={5}
          help={`The program, then each argument on its own line: no shell, no quoting. With items, \${{ item }} stands for each item. At most ${L.maxArgs} arguments.`}
          placeholder={'python3\n/app/parameter-sweep/simulate.py\n--seed\n${{ item }}'}
          {...props}
        />
        <Field name="name" label="Name (optional)" help="Letters, digits, '.', '-' and '_'; the image's name when empty." {...props} />
        <Field name="env" label="Environment (one NAME=value per line, optional)" rows={3} help={`At most ${L.maxEnv}; names starting with SLURM_ or CAIRN_ are reserved.`} {...props} />
        <fieldset>
          <legend>Resources (empty for the site's defaults)</legend>
          <Field name="cpus" label="CPUs" inputMode="numeric" help={`1 to ${L.maxCpus}.`} {...props} />
          <Field name="memory" label="Memory" help="e.g. 512M, 4G or 1T." {...props} />
          <Field name="time" label="Time limit" help="e.g. 90s, 15m, 2h, 1d or 1:30:00 (at most 30 days)." {...props} />
          <Field name="partition" label="Partition" help="A Slurm partition of the site; empty for its default." {...props} />
        </fieldset>
        <fieldset>
          <legend>Array (optional)</legend>
          <Field name="items" label="Items (one per line)" rows={4} help={`Runs the command once per item: 1 to ${L.maxItems} items, packed into one Slurm array job.`} {...props} />
          <Field name="itemsPerElement" label="Items per element" inputMode="numeric" help={`Items run one after another in each array element; empty to fit ${L.maxElements} elements.`} {...props} />
          <Field name="throttle" label="Throttle" inputMode="numeric" help="At most this many elements at once; empty for no limit." {...props} />
        </fieldset>
        <AccountPicker value={draft.account} onChange={(a) => setDraft({ ...draft, account: a })} {...(accountError === undefined ? {} : { error: accountError })} />
        <div className="button-row">
          <button type="submit" disabled={submit.isPending}>
            Submit job
          </button>
          {submit.isPending && <span aria-live="polite">Submitting…</span>}
        </div>
        {error !== undefined && accountError === undefined && <ErrorMessage error={error} context="The job was not submitted" />}
      </form>
    </section>
  );
}
