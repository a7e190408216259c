// Mounts the hash picker on every [data-hash-picker] element (kept out of the HTML for the CSP).
import { mountHashPickers } from "./picker.js";

mountHashPickers();
