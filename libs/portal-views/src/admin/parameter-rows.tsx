import { useId } from 'react';
import { EMPTY_ROW, MAX_PARAMETER_ROWS, PARAMETER_TYPES, type ParameterRow } from './publish-form';

interface RowProps {
  readonly index: number;
  readonly row: ParameterRow;
  readonly onChange: (row: ParameterRow) => void;
  readonly onRemove: () => void;
  readonly problems: readonly string[];
}

function ParameterRowFields({ index, row, onChange, onRemove, problems }: RowProps) {
  const id = useId();
  const set = (key: keyof ParameterRow) => (e: { target: { value: string } }) => onChange({ ...row, [key]: e.target.value });
  const numeric = row.type === 'INTEGER' || row.type === 'NUMBER';
  const errId = `${id}-problems`;
  const described = problems.length > 0 ? errId : undefined;
  return (
    <fieldset data-testid="parameter-row" aria-describedby={described}>
      <legend>
        Parameter {index + 1}
        {row.name !== '' ? `: ${row.name}` : ''}
      </legend>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-name`}>Params entry</label>
          <input id={`${id}-name`} type="text" value={row.name} onChange={set('name')} maxLength={128} aria-describedby={`${id}-name-help`} />
          <p id={`${id}-name-help`} className="field-help">
            The <code>params</code> key of the file it sets.
          </p>
        </div>
        <div className="field">
          <label htmlFor={`${id}-type`}>Type</label>
          <select id={`${id}-type`} value={row.type} onChange={set('type')}>
            {PARAMETER_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-label`}>Label</label>
          <input id={`${id}-label`} type="text" value={row.label} onChange={set('label')} maxLength={128} />
        </div>
        {numeric && (
          <>
            <div className="field">
              <label htmlFor={`${id}-min`}>Minimum</label>
              <input id={`${id}-min`} type="text" inputMode="decimal" value={row.minimum} onChange={set('minimum')} maxLength={32} />
            </div>
            <div className="field">
              <label htmlFor={`${id}-max`}>Maximum</label>
              <input id={`${id}-max`} type="text" inputMode="decimal" value={row.maximum} onChange={set('maximum')} maxLength={32} />
            </div>
          </>
        )}
      </div>
      <div className="field">
        <label htmlFor={`${id}-description`}>Help text</label>
        <input id={`${id}-description`} type="text" value={row.description} onChange={set('description')} maxLength={1024} style={{ width: '100%' }} />
      </div>
      {row.type === 'CHOICE' && (
        <div className="field">
          <label htmlFor={`${id}-choices`}>Choices (one per line)</label>
          <textarea id={`${id}-choices`} value={row.choices} onChange={set('choices')} rows={4} style={{ minHeight: '5rem' }} />
        </div>
      )}
      {problems.length > 0 && (
        <ul id={errId} className="field-error">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      <button type="button" className="button-quiet" onClick={onRemove}>
        Remove parameter {index + 1}
      </button>
    </fieldset>
  );
}

/** The template's form, one fieldset per parameter; the default of each is the file's. */
export function ParameterRows({
  rows,
  onChange,
  problems,
}: {
  readonly rows: readonly ParameterRow[];
  readonly onChange: (rows: ParameterRow[]) => void;
  readonly problems: Record<number, string[]>;
}) {
  return (
    <section aria-labelledby="parameter-rows-title">
      <h3 id="parameter-rows-title">Parameters</h3>
      <p className="field-help">Each sets one entry of the file’s <code>params</code>; its default is the file’s value.</p>
      {rows.map((row, i) => (
        <ParameterRowFields
          // Rows have no identity but their place; editing keeps the order.
          key={i}
          index={i}
          row={row}
          problems={problems[i] ?? []}
          onChange={(r) => onChange(rows.map((x, j) => (j === i ? r : x)))}
          onRemove={() => onChange(rows.filter((_, j) => j !== i))}
        />
      ))}
      <button type="button" className="button-quiet" onClick={() => onChange([...rows, EMPTY_ROW])} disabled={rows.length >= MAX_PARAMETER_ROWS}>
        Add parameter
      </button>
    </section>
  );
}
