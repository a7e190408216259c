// Mounts the hashing work's picker (static/hashing/picker.js) in the page's language: the template puts the
// translated words on the element as data-text-*, data-kind-* and data-error-<code> attributes.
import { mountHashPickers, setPickerText } from "../hashing/picker.js";

const root = document.querySelector("[data-hash-picker]");
if (root) {
  const text = {};
  const kinds = {};
  const errors = {};
  const dashed = (key) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).slice(1);
  for (const [key, value] of Object.entries(root.dataset)) {
    if (key.startsWith("text")) text[key[4].toLowerCase() + key.slice(5)] = value;
    else if (key.startsWith("kind")) kinds[dashed(key.slice(4)).replaceAll("-", "_")] = value;
    else if (key.startsWith("error")) errors[dashed(key.slice(5))] = value;
  }
  setPickerText({ ...text, kinds, errors });
}
mountHashPickers();
