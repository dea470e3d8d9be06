import { dependencies, type ParsedWorkflow } from '@cairn/workflow-language';
import { nodeKey, parentScope, RenderError, scopeSteps } from '@cairn/workflow-planner';

/**
 * The keys of the step instances an instance waits for, as the engine does (its `needs`
 * and the steps whose outputs it uses, in its own scope): "learn[2].evaluate" needs
 * ["learn[2].train"]. Provenance links them (wasInformedBy). Undefined for a key the
 * workflow has no step for.
 */
export function stepNeeds(workflow: ParsedWorkflow, key: string): string[] | undefined {
  const scope = parentScope(key);
  const name = key.slice(scope ? scope.length + 1 : 0);
  try {
    const needs = dependencies(scopeSteps(workflow, scope), scope !== '').get(name);
    return needs ? [...needs].map((d) => nodeKey(scope, d)).slice(0, 256) : undefined;
  } catch (error) {
    if (error instanceof RenderError) return undefined;
    throw error;
  }
}
