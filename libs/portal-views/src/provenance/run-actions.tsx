import { ConnectError } from '@connectrpc/connect';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { client, ExportFormat, ProvenanceService } from '@cairn/portal-client';
import { ConfirmButton, ErrorMessage } from '@cairn/portal-ui';
import { newRequestId } from '../submit/use-draft';
import { downloadName, joinChunks, receivedText, type ExportKind } from './export-file';

interface ExportState {
  readonly kind: ExportKind;
  readonly bytes: number;
  readonly status: 'running' | 'done' | 'error';
  readonly error?: ConnectError;
  readonly fileName?: string;
}

/** Hands bytes to the browser as a download (an object URL on a temporary link). */
function download(bytes: Uint8Array, contentType: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: contentType || 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** "Export PROV-JSON", "Export RO-Crate" (ExportRun streamed into a download, with the bytes received so far) and "Re-run" (asks first, then opens the new run). */
export function RunActions({ runId, canRerun }: { readonly runId: string; readonly canRerun: boolean }) {
  const [exporting, setExporting] = useState<ExportState | undefined>(undefined);
  const abort = useRef<AbortController | undefined>(undefined);
  useEffect(() => () => abort.current?.abort(), []);
  const navigate = useNavigate();
  // One request id per page: a double click or a retry re-runs once.
  const [requestId] = useState(newRequestId);
  const rerun = useMutation({
    mutationFn: () => client(ProvenanceService).rerun({ runId, requestId }),
    onSuccess: (answer) => void navigate(`/workflows/${encodeURIComponent(answer.runId)}`),
  });

  const start = async (kind: ExportKind) => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setExporting({ kind, bytes: 0, status: 'running' });
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    let contentType = '';
    let suggested = '';
    try {
      const format = kind === 'prov-json' ? ExportFormat.PROV_JSON : ExportFormat.RO_CRATE;
      for await (const part of client(ProvenanceService).exportRun({ runId, format }, { signal: controller.signal })) {
        if (chunks.length === 0) {
          contentType = part.contentType;
          suggested = part.fileName;
        }
        chunks.push(part.data);
        bytes += part.data.byteLength;
        setExporting({ kind, bytes, status: 'running' });
      }
      const fileName = downloadName(suggested, runId, kind);
      download(joinChunks(chunks), contentType || (kind === 'prov-json' ? 'application/json' : 'application/zip'), fileName);
      if (!controller.signal.aborted) setExporting({ kind, bytes, status: 'done', fileName });
    } catch (e) {
      if (!controller.signal.aborted) setExporting({ kind, bytes, status: 'error', error: ConnectError.from(e) });
    }
  };
  const busy = exporting?.status === 'running';
  const what = (kind: ExportKind) => (kind === 'prov-json' ? 'PROV-JSON' : 'RO-Crate');
  return (
    <section aria-label="Export and re-run">
      <div className="button-row">
        <button type="button" onClick={() => void start('prov-json')} disabled={busy}>
          Export PROV-JSON
        </button>
        <button type="button" onClick={() => void start('ro-crate')} disabled={busy}>
          Export RO-Crate
        </button>
        {canRerun && (
          <ConfirmButton
            label="Re-run"
            question="Run this workflow again as you, with the same file, parameters and image digests?"
            confirmLabel="Yes, re-run it"
            keepLabel="No"
            danger={false}
            busy={rerun.isPending}
            onConfirm={() => rerun.mutate()}
          />
        )}
      </div>
      <div role="status" data-testid="export-status" data-status={exporting?.status ?? 'idle'}>
        {exporting?.status === 'running' && (
          <>
            <progress aria-label={`Exporting ${what(exporting.kind)}`} /> Exporting {what(exporting.kind)}: {receivedText(exporting.bytes)}
          </>
        )}
        {exporting?.status === 'done' && `${what(exporting.kind)} downloaded as ${exporting.fileName ?? ''} (${receivedText(exporting.bytes).replace(' received', '')}).`}
      </div>
      {exporting?.status === 'error' && <ErrorMessage error={exporting.error} context={`Could not export ${what(exporting.kind)}`} />}
      {rerun.isError && <ErrorMessage error={rerun.error} context="Could not re-run" />}
    </section>
  );
}
