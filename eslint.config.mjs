// ESLint (flat config) for the browser code in static/ and the node tests; `npm ci && npx eslint static`.
import js from "@eslint/js";
import globals from "globals";

// Templates load every file as type="module" except this one (a classic script beside Swagger UI's bundle).
const scripts = ["static/hashing/api-explorer.js"];

export default [
  { ignores: ["static/vendor/**"] },
  js.configs.recommended,
  {
    files: ["static/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.browser } },
  },
  { files: scripts, languageOptions: { sourceType: "script" } },
  { files: ["static/hashing/worker.js"], languageOptions: { globals: { ...globals.worker } } },
];
