import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';

// DESIGN.md's layering: an import against it must fail lint.
async function boundaryErrors(file: string, source: string) {
  const eslint = new ESLint();
  const [result] = await eslint.lintText(source, { filePath: file });
  return result.messages.filter(
    (m) => m.ruleId === '@nx/enforce-module-boundaries',
  );
}

test('core may not import experiments', async () => {
  const errors = await boundaryErrors(
    'packages/core/src/probe.ts',
    "import { x } from '@acsm/experiments';\nexport const y = x;\n",
  );
  assert.equal(errors.length, 1, JSON.stringify(errors));
});

test('tracking may not import core', async () => {
  const errors = await boundaryErrors(
    'packages/tracking/src/probe.ts',
    "import { x } from '@acsm/core';\nexport const y = x;\n",
  );
  assert.equal(errors.length, 1, JSON.stringify(errors));
});

test('eval may import models, data and core', async () => {
  const errors = await boundaryErrors(
    'packages/eval/src/probe.ts',
    [
      "import { a } from '@acsm/core';",
      "import { b } from '@acsm/models';",
      "import { c } from '@acsm/data';",
      'export const y = [a, b, c];',
      '',
    ].join('\n'),
  );
  assert.deepEqual(errors, []);
});
