import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Layering of DESIGN.md: each layer may import only the layers listed.
const layers = {
  'layer:core': [],
  'layer:models': ['layer:core'],
  'layer:data': ['layer:core'],
  'layer:eval': ['layer:core', 'layer:models', 'layer:data'],
  'layer:tracking': [],
  'layer:experiments': [
    'layer:core',
    'layer:models',
    'layer:data',
    'layer:eval',
    'layer:tracking',
  ],
};

export default [
  {
    ignores: [
      '**/node_modules/**',
      'mlruns/**',
      'results/**',
      '.nx/**',
      '.cache/**',
      '.scratch/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: Object.entries(layers).map(([tag, allowed]) => ({
            sourceTag: tag,
            onlyDependOnLibsWithTags: allowed,
          })),
        },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
];
