import { describeError } from '../api/api-client';

/** An error as the user reads it; the stable code stays on the element (data-code) for tests and support, not in the text. */
export function ErrorMessage({ error, context }: { error: unknown; context?: string }) {
  if (!error) return null;
  const { code, detail } = describeError(error);
  return (
    <div role="alert" className="error" data-code={code}>
      {context ? <strong>{context}: </strong> : null}
      <span>{detail}</span>
    </div>
  );
}
