import { useEffect, useRef } from 'react';

/** Moves keyboard focus to a page's heading when the page opens, so screen readers announce it. */
export function useFocusHeading<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useEffect(() => ref.current?.focus(), []);
  return ref;
}
