// htmx for the staff pages, set up for the portal's Content-Security-Policy: nothing is evaluated as code
// (no hx-on, no js: values, no trigger filters), no inline <style> or <script> is ever inserted, and no page
// snapshot is kept in localStorage (a case page must not outlive the session on the device). The same
// settings are in the htmx-config meta tag, which htmx reads again when the page is ready.
import htmx from "../vendor/htmx/htmx.esm.js";

Object.assign(htmx.config, {
  allowEval: false,
  allowScriptTags: false,
  includeIndicatorStyles: false,
  historyCacheSize: 0,
  refreshOnHistoryMiss: true,
  selfRequestsOnly: true,
});

window.htmx = htmx;
