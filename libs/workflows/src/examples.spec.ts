import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWorkflow } from './parse-workflow';

const dir = join(__dirname, '..', '..', '..', 'docs', 'workflow-examples');

describe('the documented workflow examples', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

  it('exist', () => expect(files.length).toBeGreaterThanOrEqual(2));

  it.each(files)('%s is a valid workflow', (file) => {
    const workflow = parseWorkflow(readFileSync(join(dir, file), 'utf8'), file);
    expect(Object.keys(workflow.steps).length).toBeGreaterThan(0);
  });
});
