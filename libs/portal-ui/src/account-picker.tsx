import { useWhoAmI } from '@cairn/portal-client';
import { useEffect, useId } from 'react';
import { ErrorMessage } from './error-message';

export interface AccountPickerProps {
  /** The account chosen; "" until the person's default is known (then onChange gets it). */
  readonly value: string;
  readonly onChange: (account: string) => void;
  /** The server's complaint about the account, shown under it. */
  readonly error?: string;
  readonly disabled?: boolean;
}

/**
 * `<select name="account">` labelled "Slurm account": the person's accounts from
 * IdentityService.WhoAmI, their default preselected (a value that is not one of theirs,
 * e.g. from an old draft, is replaced by the default).
 */
export function AccountPicker({ value, onChange, error, disabled = false }: AccountPickerProps) {
  const id = useId();
  const who = useWhoAmI();
  const accounts = who.data?.accounts ?? [];
  const fallback = who.data?.defaultAccount || accounts[0] || '';
  const known = accounts.includes(value);

  useEffect(() => {
    if (who.data !== undefined && !known && fallback !== '' && value !== fallback) onChange(fallback);
  }, [who.data, known, fallback, value, onChange]);

  const help = `${id}-help`;
  const errorId = `${id}-error`;
  return (
    <div className="field">
      <label htmlFor={id}>Slurm account</label>
      <select
        id={id}
        name="account"
        value={known ? value : fallback}
        onChange={(e) => onChange(e.target.value)}
        disabled={disabled || who.data === undefined || accounts.length === 0}
        aria-describedby={error === undefined ? help : `${help} ${errorId}`}
        aria-invalid={error !== undefined}
      >
        {who.data === undefined && <option value="">Loading your accounts…</option>}
        {who.data !== undefined && accounts.length === 0 && <option value="">No Slurm account</option>}
        {accounts.map((a) => (
          <option key={a} value={a}>
            {a}
            {a === fallback ? ' (default)' : ''}
          </option>
        ))}
      </select>
      <p id={help} className="field-help">
        {accounts.length === 0 && who.data !== undefined
          ? 'You have no Slurm account to charge: ask your administrators for one.'
          : 'The account your work is charged to.'}
      </p>
      {error !== undefined && (
        <p id={errorId} className="field-error">
          {error}
        </p>
      )}
      {who.isError && <ErrorMessage error={who.error} context="Could not load your accounts" />}
    </div>
  );
}
