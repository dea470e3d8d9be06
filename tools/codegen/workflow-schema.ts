// Writes docs/workflow.schema.json, the published JSON Schema of the workflow language, from
// the zod schema that Cairn validates with (libs/workflow-language). `--check` fails when the file
// on disk differs. Run: node -r ./tools/register.js tools/codegen/workflow-schema.ts [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { workflowSchema } from '@cairn/workflow-language';

const target = join(__dirname, '..', '..', 'docs', 'workflow.schema.json');
const schema = {
  ...z.toJSONSchema(workflowSchema, { io: 'input', unrepresentable: 'any', reused: 'ref' }),
  $id: 'https://cairn.example.org/schemas/workflow-v1.json',
  title: 'Cairn workflow (version 1)',
};
const text = `${JSON.stringify(schema, null, 2)}\n`;
if (process.argv.includes('--check')) {
  const current = readFileSync(target, 'utf8');
  if (current !== text) {
    process.stderr.write('docs/workflow.schema.json is out of date: run node -r ./tools/register.js tools/codegen/workflow-schema.ts\n');
    process.exit(1);
  }
  process.stdout.write('docs/workflow.schema.json matches libs/workflow-language\n');
} else {
  writeFileSync(target, text);
  process.stdout.write(`wrote ${target}\n`);
}
