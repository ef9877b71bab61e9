// vitest (vite) loads a file's text with the `?raw` suffix; app/ code may not use node:fs.
declare module '*.jsonl?raw' {
  const text: string;
  export default text;
}
