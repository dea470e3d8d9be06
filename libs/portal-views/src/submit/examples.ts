// `?raw` (Vite, typed by vite/client): the file's text; apps/portal/vite.config.mts maps @cairn/examples to examples/.
import activeLearning from '@cairn/examples/active-learning/workflow.yaml?raw';
import parameterSweep from '@cairn/examples/parameter-sweep/workflow.yaml?raw';

/** The example workflows (examples/*), one click away in the editor, as the files are. */
export interface WorkflowExample {
  /** The URL's `?example=` value and the file's folder. */
  id: string;
  title: string;
  /** The file name sent with the workflow (shown in the server's errors). */
  fileName: string;
  source: string;
}

export const WORKFLOW_EXAMPLES: readonly WorkflowExample[] = [
  { id: 'active-learning', title: 'Active learning (a loop with metrics)', fileName: 'active-learning.yaml', source: activeLearning },
  { id: 'parameter-sweep', title: 'Parameter sweep (10,000 items in one Slurm array job)', fileName: 'parameter-sweep.yaml', source: parameterSweep },
];

export function findExample(id: string | null): WorkflowExample | undefined {
  return WORKFLOW_EXAMPLES.find((e) => e.id === id);
}
