import { KIND_LEGEND, KIND_SYMBOL } from './drawing';

/** What the shapes mean, in words and with each shape drawn small (never colour alone). */
export function Legend() {
  return (
    <ul className="prov-legend" aria-label="Legend">
      {KIND_LEGEND.map(({ kind, shape, what }) => (
        <li key={kind}>
          <svg width="34" height="20" viewBox="0 0 34 20" aria-hidden="true" className={`prov-${kind}`}>
            {kind === 'entity' && <ellipse className="prov-shape" cx="17" cy="10" rx="15" ry="8" />}
            {kind === 'activity' && <rect className="prov-shape" x="2" y="2" width="30" height="16" rx="2" />}
            {kind === 'agent' && <polygon className="prov-shape" points="2,8 17,1 32,8 32,19 2,19" />}
          </svg>
          <span>
            {KIND_SYMBOL[kind]} <strong>{kind}</strong> ({shape}): {what}
          </span>
        </li>
      ))}
    </ul>
  );
}
