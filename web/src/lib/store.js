// A value kept in localStorage and shared by every component that reads it: a change in one tab
// reaches the others through the storage event.
import { useEffect, useState } from 'preact/hooks';

export function storedValue(key, fallback) {
  const listeners = new Set();
  const read = () => {
    try {
      const text = localStorage.getItem(key);
      return text === null ? fallback : JSON.parse(text);
    } catch {
      return fallback;
    }
  };
  let value = read();
  const notify = () => listeners.forEach((listener) => listener(value));
  window.addEventListener('storage', (event) => {
    if (event.key !== key) return;
    value = read();
    notify();
  });
  return {
    get: () => value,
    set(next) {
      value = next;
      if (next === fallback || next === null) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(next));
      notify();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

// The current value of `stored`, re-rendering the component when it changes.
export function useStored(stored) {
  const [value, setValue] = useState(stored.get());
  useEffect(() => stored.subscribe(setValue), [stored]);
  return value;
}
