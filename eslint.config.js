// ESLint (flat config) for the stage's browser code and its node tests: `npx eslint` from the repository root.
import js from "@eslint/js";
import globals from "globals";

export default [
  {ignores: [".venv/**", "node_modules/**"]},
  js.configs.recommended,
  {
    files: ["ce_app/player_frontend/**/*.js"],
    languageOptions: {ecmaVersion: 2022, sourceType: "module", globals: globals.browser},
    rules: {
      "no-unused-vars": ["error", {args: "after-used", argsIgnorePattern: "^_"}],
      "eqeqeq": "error",
      "no-var": "error",
      "prefer-const": "error",
      "no-implicit-globals": "error",
    },
  },
  {
    files: ["tests/js/**/*.js", "eslint.config.js"],
    languageOptions: {ecmaVersion: 2022, sourceType: "module", globals: globals.node},
    rules: {"eqeqeq": "error", "no-var": "error", "prefer-const": "error"},
  },
];
