import { test } from 'node:test';
import assert from 'node:assert/strict';

test('workspace runs tests', () => {
  assert.equal(1 + 1, 2);
});
