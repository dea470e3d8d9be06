import { ProcessRepository, type RunOptions, type RunResult } from '@cairn/adapters/process';

/** The real ProcessRepository that also records which programs it started (for counting calls). */
export class RecordingProcessRepository extends ProcessRepository {
  readonly started: string[] = [];

  override run(file: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
    this.started.push(file);
    return super.run(file, args, options);
  }
}
