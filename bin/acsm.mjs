#!/usr/bin/env node
// The acsm command line: runs the TypeScript sources through tsx.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.env.TSX_TSCONFIG_PATH ??= join(root, 'tsconfig.json');
const { register } = await import('tsx/esm/api');
register();
const main = join(root, 'packages', 'experiments', 'src', 'cli', 'main.ts');
await import(pathToFileURL(main).href);
