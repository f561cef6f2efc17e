// Built-in rules only, so the example needs no plugin: two that eslint --fix repairs, one it cannot.
export default [
  {
    files: ['**/*.js', '**/*.mjs'],
    rules: {
      'no-var': 'error',
      'prefer-const': 'error',
      eqeqeq: 'error',
    },
  },
]
