import { DraftSaver, draftStore } from '@cairn/portal-client';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { initialValues, parseTemplateDraft, templateDraftName, type FormParameter, type TemplateDraft } from './template-form';

/**
 * The template form's values and account, restored from this tab's sessionStorage draft
 * (key per template) and saved there as they change, so a session that ends mid-form
 * loses nothing; `discard()` after a successful run.
 */
export function useTemplateDraft(templateName: string, parameters: readonly FormParameter[]) {
  const store = useMemo(() => draftStore(), []);
  const names = useMemo(() => parameters.map((p) => p.name), [parameters]);
  const draftName = templateDraftName(templateName);
  const [draft, setDraft] = useState<TemplateDraft>(() => {
    const stored = store.load(draftName, (v) => parseTemplateDraft(v, names));
    return { values: { ...initialValues(parameters), ...stored?.values }, account: stored?.account ?? '' };
  });
  const saver = useMemo(() => new DraftSaver<TemplateDraft>(store, draftName), [store, draftName]);

  useEffect(() => {
    const flush = () => saver.flush();
    globalThis.addEventListener('pagehide', flush);
    return () => {
      globalThis.removeEventListener('pagehide', flush);
      saver.flush();
    };
  }, [saver]);

  const update = useCallback(
    (change: (d: TemplateDraft) => TemplateDraft) =>
      setDraft((d) => {
        const next = change(d);
        saver.change(next);
        return next;
      }),
    [saver],
  );
  const setValue = useCallback((name: string, value: string) => update((d) => ({ ...d, values: { ...d.values, [name]: value } })), [update]);
  const setAccount = useCallback((account: string) => update((d) => ({ ...d, account })), [update]);
  const reset = useCallback(() => update((d) => ({ values: initialValues(parameters), account: d.account })), [update, parameters]);
  const discard = useCallback(() => saver.discard(), [saver]);
  return { draft, setValue, setAccount, reset, discard };
}
