import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The admin console: built into dist/console and served by the gateway itself at /ui (src/rest/console-routes.ts).
// Everything it loads comes from that folder (no CDN); it talks to the gateway only through the generated
// client over Connect-Web (clients/typescript/src/web.ts).
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/ui/",
  publicDir: false,
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: fileURLToPath(new URL("../dist/console", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    // No inline <script> or data: modules: the gateway's Content-Security-Policy allows scripts from 'self' only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `npm run console:dev`: the page from Vite, the RPCs proxied to a gateway on :4000.
    proxy: { "/switchboard.v1.": "http://127.0.0.1:4000" },
  },
});
