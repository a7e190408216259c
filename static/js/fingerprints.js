// Mounts the hashing work's picker (static/hashing/picker.js) in the page's language: the template puts the
// translated words on the element as data-text-* and data-kind-* attributes.
import { mountHashPickers, setPickerText } from "../hashing/picker.js";

const root = document.querySelector("[data-hash-picker]");
if (root) {
  const text = {};
  const kinds = {};
  for (const [key, value] of Object.entries(root.dataset)) {
    if (key.startsWith("text")) text[key[4].toLowerCase() + key.slice(5)] = value;
    else if (key.startsWith("kind")) kinds[key.slice(4).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).slice(1)] = value;
  }
  setPickerText({ ...text, kinds });
}
mountHashPickers();
