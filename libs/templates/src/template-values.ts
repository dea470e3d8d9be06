import { CairnError, excerpt, hasOwnKey, type TemplateParameter } from '@cairn/contracts';
import type { ParsedWorkflow } from '@cairn/workflow-language';
import { listedProblems, type ParamValue, typedValue, valueProblem } from './template-form';

/**
 * Checks the values a researcher gives against the template's parameters: every value
 * names a parameter and fits its type. Returns the typed values by `params` entry, or
 * throws INVALID_ARGUMENT naming each value that does not fit (nothing is submitted).
 */
export function checkValues(parameters: readonly TemplateParameter[], values: Readonly<Record<string, string>>, workflow: ParsedWorkflow): Map<string, ParamValue> {
  const problems: string[] = [];
  const typed = new Map<string, ParamValue>();
  for (const name of Object.keys(values)) {
    const parameter = parameters.find((p) => p.name === name);
    const text = values[name] ?? '';
    if (!parameter) {
      problems.push(`parameters[${excerpt(name)}]: the template has no such parameter${parameters.length > 0 ? ` (it has ${parameters.map((p) => p.name).join(', ')})` : ''}`);
      continue;
    }
    const problem = valueProblem(parameter, text);
    if (problem) {
      problems.push(`parameters[${excerpt(name)}]: ${problem}`);
      continue;
    }
    const fileDefault = workflow.params && hasOwnKey(workflow.params, name) ? workflow.params[name] : undefined;
    // Publishing made sure of the entry; a template stored before a change of the rules is refused, not guessed at.
    if (fileDefault === undefined) problems.push(`parameters[${excerpt(name)}]: the template's file has no params entry for it`);
    else typed.set(name, typedValue(parameter, text, fileDefault));
  }
  if (problems.length > 0) throw new CairnError('INVALID_ARGUMENT', listedProblems(problems));
  return typed;
}
