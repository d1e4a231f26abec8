import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { message } from './api';
import { events, type EventFrame, type Topic } from './events';

/** Loads data, and loads it again on `reload()`; keeps the last data while a reload runs. */
export function useData<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const generation = useRef(0);
  const reload = useCallback(() => {
    const mine = ++generation.current;
    load().then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(undefined);
      },
      (failure: unknown) => {
        if (mine === generation.current) setError(message(failure));
      },
    );
  }, deps);
  useEffect(reload, [reload]);
  return { data, error, reload };
}

/** Calls `listener` for every event of `topic` (of one run when `runId` is given) while mounted. */
export function useEvents(topic: Topic, listener: (frame: EventFrame) => void, runId?: string) {
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => {
    const off = events.subscribe(topic, (frame) => latest.current(frame), runId);
    const offReconnect = events.onReconnect(() => latest.current({ type: 'event', topic, event: {} }));
    return () => {
      off();
      offReconnect();
    };
  }, [topic, runId]);
}

/** Runs `fn` every `ms` while mounted. */
export function useInterval(fn: () => void, ms: number) {
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => {
    const timer = window.setInterval(() => latest.current(), ms);
    return () => window.clearInterval(timer);
  }, [ms]);
}
