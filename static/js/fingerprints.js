// The fingerprint picker of the intake and status pages: hashes chosen files on this device with
// hashing/hasher.js and writes only the hashes, as JSON, into the form's hidden field. The file
// input has no name, so no file is ever part of the form.
import { hashFile } from "../hashing/hasher.js";

const MAX_FILES = 50;

function setup(root) {
  const input = document.getElementById(root.dataset.input);
  const files = root.querySelector("input[type=file]");
  const list = root.querySelector(".fp-list");
  const status = root.querySelector(".fp-status");
  const msg = root.dataset;
  let entries = [];
  try {
    const saved = JSON.parse(input.value || "[]");
    if (Array.isArray(saved)) entries = saved.map((hashes, i) => ({ label: `#${i + 1}`, hashes }));
  } catch (e) {
    entries = [];
  }

  function save() {
    input.value = entries.length ? JSON.stringify(entries.map((e) => e.hashes)) : "";
    root.dispatchEvent(new CustomEvent("fingerprints:change", { bubbles: true, detail: { count: entries.length } }));
  }

  function render() {
    list.replaceChildren();
    entries.forEach((entry, index) => {
      const item = document.createElement("li");
      const text = document.createElement("span");
      text.textContent = `${entry.label} · ${entry.hashes.sha256.slice(0, 12)}…`;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "btn btn-small";
      remove.textContent = msg.msgRemove;
      remove.setAttribute("aria-label", `${msg.msgRemove}: ${entry.label}`);
      remove.addEventListener("click", () => {
        entries.splice(index, 1);
        save();
        render();
        status.textContent = countText();
        files.focus();
      });
      item.append(text, remove);
      list.append(item);
    });
  }

  function countText() {
    if (entries.length === 1) return msg.msgCountOne;
    return `${entries.length} ${msg.msgCountMany}`;
  }

  files.addEventListener("change", async () => {
    const chosen = Array.from(files.files || []);
    for (const file of chosen) {
      if (entries.length >= MAX_FILES) {
        status.textContent = msg.msgTooMany;
        break;
      }
      status.textContent = `${msg.msgWorking} ${file.name}…`;
      try {
        const result = await hashFile(file);
        const kind = result.pdq ? "image" : (file.type || "").startsWith("video/") ? "video" : "other";
        const hashes = {
          media_kind: kind,
          md5: result.md5,
          sha256: result.sha256,
          pdq: result.pdq,
          pdq_quality: result.pdq_quality,
          pdq_oriented: result.pdq_oriented,
          pdq_dihedral: result.pdq_dihedral,
          phash: result.phash,
        };
        if (!entries.some((e) => e.hashes.sha256 === hashes.sha256)) entries.push({ label: file.name, hashes });
        save();
        render();
        status.textContent = `${msg.msgDone}: ${file.name}. ${countText()}`;
      } catch (error) {
        const own = document.documentElement.lang === "en" && error && error.name === "HashingError";
        status.textContent = `${file.name}: ${own ? error.message : msg.msgFailed}`;
      }
    }
    // Forget the chosen files: only the fingerprints are kept.
    files.value = "";
    root.dataset.ready = String(entries.length);
  });

  render();
  root.hidden = false;
  root.dataset.ready = String(entries.length);
}

document.querySelectorAll("[data-fingerprints]").forEach(setup);
