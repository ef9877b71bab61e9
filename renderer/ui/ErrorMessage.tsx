import { describeError } from '../api/api-client';

/** An error as the user (and a test) can read it: the stable code and what went wrong. */
export function ErrorMessage({ error, context }: { error: unknown; context?: string }) {
  if (!error) return null;
  const { code, detail } = describeError(error);
  return (
    <div role="alert" className="error" data-code={code}>
      {context ? <strong>{context}: </strong> : null}
      <span>{detail}</span> <code className="error-code">{code}</code>
    </div>
  );
}
