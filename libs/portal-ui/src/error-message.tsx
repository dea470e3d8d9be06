import { errorText } from './error-text';

export interface ErrorMessageProps {
  readonly error: unknown;
  /** What was being done, e.g. "Could not load the jobs". */
  readonly context?: string;
}

/** An error shown plainly (a ConnectError's message), announced to screen readers. */
export function ErrorMessage({ error, context }: ErrorMessageProps) {
  return (
    <p className="error-message" role="alert">
      {context !== undefined && <strong>{context}: </strong>}
      {errorText(error)}
    </p>
  );
}
