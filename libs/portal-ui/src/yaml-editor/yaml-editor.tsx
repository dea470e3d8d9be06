import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { type Diagnostic, lintGutter, linter } from '@codemirror/lint';
import { EditorState, StateEffect } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers } from '@codemirror/view';
import { useEffect, useId, useRef, useState } from 'react';
import { type EditorProblem, formatProblem } from './workflow-problems';

export interface YamlEditorProps {
  /** The text; the editor follows it when it changes from outside (an example loaded). */
  readonly value: string;
  readonly onChange: (text: string) => void;
  /** The visible label, e.g. "Workflow (YAML)". */
  readonly label: string;
  /** Checks the text as it is typed (e.g. workflowProblems); none by default. */
  readonly check?: (text: string) => EditorProblem[];
  /** Problems found elsewhere (the server's), shown with the typed-text ones. */
  readonly extraProblems?: readonly EditorProblem[];
  /** Every problem shown now, after each check. */
  readonly onProblems?: (problems: EditorProblem[]) => void;
  /** Shows the problems list under the editor (data-testid="editor-problems"). */
  readonly showProblems?: boolean;
  readonly describedBy?: string;
}

const NO_PROBLEMS: readonly EditorProblem[] = [];

/** Asks the linter to check again though the text did not change (new problems from the server). */
const recheck = StateEffect.define<null>();

/** Whether two problem lists say the same (to skip a re-render when nothing changed). */
const sameProblems = (a: readonly EditorProblem[], b: readonly EditorProblem[]) =>
  a.length === b.length && a.every((p, i) => p.from === b[i]?.from && p.to === b[i]?.to && p.message === b[i]?.message);

/** Lint as you type after this pause (ms). */
const CHECK_DELAY_MS = 250;

const theme = EditorView.theme({
  '&': { border: '1px solid #6b7280', borderRadius: '4px', fontSize: '0.9rem', backgroundColor: '#fff' },
  '&.cm-focused': { outline: '3px solid #1d4ed8', outlineOffset: '1px' },
  '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', minHeight: '18rem', maxHeight: '70vh' },
  '.cm-content': { padding: '0.5rem 0' },
});

/**
 * A YAML editor (CodeMirror 6): highlighting, line numbers, undo, and lint diagnostics at
 * their line and column (the gutter marks the line; hovering or moving onto the text
 * shows the message). Tab is left to move focus (Escape then Tab, as CodeMirror documents),
 * so the editor never traps the keyboard.
 */
export function YamlEditor({ value, onChange, label, check, extraProblems = NO_PROBLEMS, onProblems, showProblems = false, describedBy }: YamlEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const latest = useRef({ onChange, check, extraProblems, onProblems });
  latest.current = { onChange, check, extraProblems, onProblems };
  const labelId = useId();
  const [problems, setProblems] = useState<readonly EditorProblem[]>([]);

  useEffect(() => {
    if (host.current === null) return undefined;
    const source = (v: EditorView): Diagnostic[] => {
      const text = v.state.doc.toString();
      const found = [...(latest.current.check?.(text) ?? []), ...latest.current.extraProblems];
      setProblems((before) => (sameProblems(before, found) ? before : found));
      latest.current.onProblems?.(found);
      const length = v.state.doc.length;
      return found.map((p) => ({
        from: Math.min(p.from, length),
        to: Math.min(p.to, length),
        severity: 'error',
        source: p.source === 'server' ? 'Cairn' : p.source === 'yaml' ? 'YAML' : 'schema',
        message: formatProblem(p),
      }));
    };
    const created = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          highlightActiveLineGutter(),
          highlightActiveLine(),
          drawSelection(),
          history(),
          indentOnInput(),
          bracketMatching(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          EditorState.tabSize.of(2),
          yaml(),
          lintGutter(),
          linter(source, { delay: CHECK_DELAY_MS, needsRefresh: (update) => update.transactions.some((tr) => tr.effects.some((e) => e.is(recheck))) }),
          theme,
          EditorView.lineWrapping,
          // tabindex: axe-core counts a contenteditable without one as no focusable content, and
          // then calls the scrolling .cm-scroller around it unreachable by keyboard.
          EditorView.contentAttributes.of({ 'aria-labelledby': labelId, 'aria-multiline': 'true', ...(describedBy ? { 'aria-describedby': describedBy } : {}), spellcheck: 'false', tabindex: '0' }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) latest.current.onChange(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = created;
    return () => {
      created.destroy();
      view.current = null;
    };
    // The editor is created once (value, label and describedBy as they are then); later
    // values are applied below.
  }, []);

  // Text set from outside (an example, a restored draft): replace the document.
  useEffect(() => {
    const v = view.current;
    if (v === null) return;
    const current = v.state.doc.toString();
    if (current !== value) v.dispatch({ changes: { from: 0, to: current.length, insert: value } });
  }, [value]);

  // New problems from elsewhere (the server): check again. (forceLinting would not: it only
  // hurries a check that a change of the text has already scheduled.)
  useEffect(() => {
    view.current?.dispatch({ effects: recheck.of(null) });
  }, [extraProblems]);

  return (
    <div className="yaml-editor">
      <span id={labelId} className="field-label">
        {label}
      </span>
      <div ref={host} />
      {showProblems && <ProblemList problems={problems} />}
    </div>
  );
}

/** The problems as a list people and tests can read: "Line L, column C: message". */
export function ProblemList({ problems }: { readonly problems: readonly EditorProblem[] }) {
  return (
    <div aria-live="polite">
      {problems.length > 0 && (
        <>
          <h2 className="problems-title">
            {problems.length === 1 ? '1 problem' : `${problems.length} problems`}
          </h2>
          <ul data-testid="editor-problems" className="editor-problems">
            {problems.map((p, i) => (
              <li key={`${p.from}-${i}`}>{formatProblem(p)}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
