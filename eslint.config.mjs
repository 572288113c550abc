// ESLint flat config for every JavaScript file in the repo: the extension shell, the tests, tools.
// Layer: build tooling (run by `./build.sh test`, pinned in package-lock.json). Rules are
// eslint:recommended plus the ones that catch real bugs; each folder gets the globals it really
// runs with, so a typo'd or missing name is an error instead of a ReferenceError in Chromium.
import js from '@eslint/js';
import globals from 'globals';

// The content scripts, popup and options pages are classic scripts that share one global scope:
// each file publishes one frozen object on globalThis and the later files read it.
const shellGlobals = {
  spotdialMessage: 'readonly',
  spotdialDom: 'readonly',
  spotdialAnchors: 'readonly',
  spotdialMount: 'readonly',
  spotdialCard: 'readonly',
  spotdialOptionsSettings: 'readonly',
  spotdialOptionsData: 'readonly',
  spotdialOptionsProspects: 'readonly',
};

const bugRules = {
  // `_name` marks a value we must accept but do not use (a listener's argument); `{ drop, ...rest }`
  // is how a field is left out of a copy.
  'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
  'no-undef': 'error',
  eqeqeq: ['error', 'always', { null: 'ignore' }],
  'no-implicit-globals': 'error',
  'no-shadow-restricted-names': 'error',
  'no-self-compare': 'error',
  'no-template-curly-in-string': 'error',
  'no-unmodified-loop-condition': 'error',
  'no-unreachable-loop': 'error',
  'no-constructor-return': 'error',
};

export default [
  { ignores: ['node_modules/', 'dist/', 'target/', 'target-*/', 'tests/.run/', 'extension/pkg/'] },
  js.configs.recommended,
  {
    files: ['extension/**/*.js'],
    ignores: ['extension/sw.js'],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'script',
      globals: { ...globals.browser, ...globals.webextensions, ...shellGlobals },
    },
    rules: bugRules,
  },
  {
    // The service worker is the one ES module in the extension (it imports the wasm glue).
    files: ['extension/sw.js'],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      globals: { ...globals.serviceworker, ...globals.webextensions },
    },
    rules: bugRules,
  },
  {
    files: ['tests/**/*.mjs', 'tools/**/*.mjs', 'eslint.config.mjs'],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: bugRules,
  },
  {
    // These drive Chromium through Playwright: the callbacks they pass to page.evaluate() and
    // worker.evaluate() run in the page or the service worker, where chrome, document and self exist.
    files: ['tests/e2e/**/*.mjs', 'tests/harness/**/*.mjs', 'tools/bench.mjs', 'tools/demo.mjs'],
    languageOptions: {
      globals: { ...globals.browser, ...globals.webextensions },
    },
  },
];
