import { TemplateParameterType } from '@cairn/portal-client';
import { useId, type ReactNode } from 'react';
import { fieldLabel, type FormParameter } from './template-form';

export interface ParameterFieldProps {
  readonly parameter: FormParameter;
  readonly value: string;
  readonly onChange: (value: string) => void;
  /** What is wrong with the value (the form's check or the server's). */
  readonly problem?: string;
}

/** One template parameter as a labelled input: text, number (with min/max), checkbox or select. */
export function ParameterField({ parameter: p, value, onChange, problem }: ParameterFieldProps) {
  const id = useId();
  const bounds = [p.hasMinimum ? `at least ${p.minimum}` : '', p.hasMaximum ? `at most ${p.maximum}` : ''].filter((s) => s !== '').join(', ');
  const helpText = [p.description, bounds === '' ? '' : `(${bounds})`].filter((s) => s !== '').join(' ');
  const help = helpText !== '' ? `${id}-help` : undefined;
  const err = problem !== undefined ? `${id}-error` : undefined;
  const describedBy = [help, err].filter((x) => x !== undefined).join(' ') || undefined;
  const common = { id, name: `param-${p.name}`, 'aria-describedby': describedBy, 'aria-invalid': problem !== undefined };
  let control: ReactNode;
  switch (p.type) {
    case TemplateParameterType.BOOLEAN:
      return (
        <div className="field">
          <label className="inline" htmlFor={id}>
            <input {...common} type="checkbox" checked={value === 'true'} onChange={(e) => onChange(e.target.checked ? 'true' : 'false')} />
            {fieldLabel(p)}
          </label>
          {help !== undefined && (
            <p id={help} className="field-help">
              {helpText}
            </p>
          )}
          {err !== undefined && (
            <p id={err} className="field-error">
              {problem}
            </p>
          )}
        </div>
      );
    case TemplateParameterType.CHOICE:
      control = (
        <select {...common} value={value} onChange={(e) => onChange(e.target.value)}>
          {p.choices.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      );
      break;
    case TemplateParameterType.INTEGER:
    case TemplateParameterType.NUMBER:
      control = (
        <input
          {...common}
          type="number"
          inputMode={p.type === TemplateParameterType.INTEGER ? 'numeric' : 'decimal'}
          step={p.type === TemplateParameterType.INTEGER ? 1 : 'any'}
          min={p.hasMinimum ? p.minimum : undefined}
          max={p.hasMaximum ? p.maximum : undefined}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      );
      break;
    case TemplateParameterType.STRING:
    case TemplateParameterType.UNSPECIFIED:
      control = <input {...common} type="text" maxLength={1024} value={value} onChange={(e) => onChange(e.target.value)} />;
      break;
  }
  return (
    <div className="field">
      <label htmlFor={id}>{fieldLabel(p)}</label>
      {control}
      {help !== undefined && (
        <p id={help} className="field-help">
          {helpText}
        </p>
      )}
      {err !== undefined && (
        <p id={err} className="field-error">
          {problem}
        </p>
      )}
    </div>
  );
}
