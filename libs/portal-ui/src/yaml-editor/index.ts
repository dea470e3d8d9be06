export { YamlEditor, ProblemList, type YamlEditorProps } from './yaml-editor';
export { workflowProblems, formatProblem, MAX_EDITOR_PROBLEMS, type EditorProblem } from './workflow-problems';
export { serverProblems, type ServerProblems } from './server-problems';
