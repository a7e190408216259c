// The file picker the intake page embeds: the victim picks pictures or videos, each is hashed in a
// Web Worker on the device, and only the hashes go into the form. The files themselves are never
// sent: the file input has no name (so a form submit leaves it out) and is emptied after reading.
//
// Markup (see templates/hashing/picker.html):
//   <div data-hash-picker data-worker-url="/static/hashing/worker.js" data-field-name="file_hashes">
// The component fills a hidden <input name=field-name> with a JSON array of the finished files'
// hashes and fires a "hashpicker:change" event (detail: {files}) on the root element.

const WEAK_QUALITY = 50;
const MIN_SIDE = 5;

const TEXT = {
  choose: "Choose pictures or videos",
  help: "They stay on this device. Only fingerprints (hashes) of them are sent.",
  show: "Show picture",
  hide: "Hide picture",
  cancel: "Cancel",
  remove: "Remove",
  waiting: "Waiting…",
  working: "Making fingerprints…",
  done: "Fingerprint made",
  cancelled: "Cancelled. Nothing from this file was sent.",
  failed: "Something went wrong while reading this file. Nothing was sent. Please try again.",
  notSent: "Nothing from this file was sent.",
  small:
    "This picture is very small, so platforms may not be able to find copies of it reliably. " +
    "If you have a bigger version, add that as well.",
  lowQuality:
    "This picture has little detail (for example mostly one colour, or very blurry), so platforms " +
    "may miss copies of it. If you have a clearer version, add that as well.",
  video: "Video",
  file: "File",
  videoUnsupported:
    "This video’s format cannot be read in this browser, so only its exact-copy fingerprints were made: " +
    "a copy that a platform has re-encoded, shortened or resized will not be found with them. If you have " +
    "the video in another format (for example MP4 from a phone’s camera), add that as well.",
  // Shown when the form is sent while fingerprints are still being made: the page waits, then goes on.
  stillWorking: "Still making fingerprints: {done} of {total} files done. Please wait: this page goes on by itself when they are ready.",
  someFailed: "{failed} of your files could not be fingerprinted (see below). Nothing from them was sent. To go on without them, press the button again.",
  details: "Technical details",
  kinds: {
    pdq: "picture fingerprint (PDQ)",
    pdq_dihedral: "fingerprints of rotated and mirrored copies",
    pdq_oriented: "fingerprint of the picture the way your device shows it",
    phash: "second picture fingerprint (pHash)",
    exact: "exact-copy fingerprints (MD5, SHA-256)",
    vpdq: "video fingerprints (vPDQ), one a second: {count}",
  },
  // By HashingError code; empty means the hasher's own (English) message is shown.
  errors: {},
};

/** Replace the component's words (a translated page passes its own); keys as in TEXT, `kinds` and `errors`
 * (keyed by the hasher's HashingError codes) merged. */
export function setPickerText(overrides = {}) {
  const { kinds, errors, ...rest } = overrides;
  for (const [key, value] of Object.entries(rest)) if (value) TEXT[key] = value;
  for (const [key, value] of Object.entries(kinds || {})) if (value) TEXT.kinds[key] = value;
  for (const [key, value] of Object.entries(errors || {})) if (value) TEXT.errors[key] = value;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (value !== null && value !== undefined) node.setAttribute(key, value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

/** Plain-words list of what was made, and the weak-match warnings, for one finished file. */
export function describeHashes(hashes) {
  const made = [];
  if (hashes.pdq) made.push(TEXT.kinds.pdq);
  if (hashes.pdq_dihedral) made.push(TEXT.kinds.pdq_dihedral);
  if (hashes.pdq_oriented) made.push(TEXT.kinds.pdq_oriented);
  if (hashes.phash) made.push(TEXT.kinds.phash);
  if (hashes.vpdq) made.push(TEXT.kinds.vpdq.replace("{count}", hashes.vpdq.length));
  if (hashes.md5 && hashes.sha256) made.push(TEXT.kinds.exact);
  const warnings = [];
  if (hashes.vpdq_error === "unsupported") warnings.push({ code: "video-unsupported", text: TEXT.videoUnsupported });
  if (hashes.pdq) {
    if (hashes.width < MIN_SIDE || hashes.height < MIN_SIDE) warnings.push({ code: "small", text: TEXT.small });
    else if (hashes.pdq_quality < WEAK_QUALITY) warnings.push({ code: "low-quality", text: TEXT.lowQuality });
  }
  return { made, warnings };
}

export class HashPicker {
  constructor(root) {
    this.root = root;
    this.workerUrl = root.dataset.workerUrl || new URL("./worker.js", import.meta.url).href;
    this.entries = [];
    this.queue = [];
    this.active = null;
    this.nextId = 1;
    this.pendingSubmit = null;
    this.render();
    // Sending the form while files are still being fingerprinted would save fewer fingerprints than files
    // chosen: hold the submit, say so, and send it once every file is finished.
    this.form = root.closest("form");
    if (this.form) this.form.addEventListener("submit", (event) => this.holdSubmit(event));
  }

  holdSubmit(event) {
    if (!this.busy) {
      this.pendingSubmit = null;
      return;
    }
    event.preventDefault();
    this.pendingSubmit = { submitter: event.submitter || null };
    this.root.dataset.waiting = "true";
    for (const button of this.form.querySelectorAll("button[type=submit], input[type=submit]")) {
      button.setAttribute("aria-disabled", "true");
    }
    this.showWaiting();
  }

  showWaiting() {
    const chosen = this.entries.filter((e) => e.state !== "cancelled");
    const done = chosen.filter((e) => e.state === "done" || e.state === "error").length;
    this.notice.textContent = TEXT.stillWorking.replace("{done}", done).replace("{total}", chosen.length);
    this.notice.hidden = false;
  }

  /** Every file finished while a submit was held: send it, unless some failed (then say so and wait). */
  releaseSubmit() {
    if (!this.pendingSubmit || this.busy) return;
    const { submitter } = this.pendingSubmit;
    this.pendingSubmit = null;
    delete this.root.dataset.waiting;
    for (const button of this.form.querySelectorAll("[aria-disabled=true]")) button.removeAttribute("aria-disabled");
    const failed = this.entries.filter((e) => e.state === "error").length;
    if (failed) {
      this.notice.textContent = TEXT.someFailed.replace("{failed}", failed);
      return;
    }
    this.notice.hidden = true;
    this.notice.textContent = "";
    if (submitter && submitter.form === this.form) this.form.requestSubmit(submitter);
    else this.form.requestSubmit();
  }

  render() {
    const inputId = `hash-picker-${Math.random().toString(36).slice(2)}`;
    // No name attribute: an unnamed input is never part of a form submission.
    this.input = el("input", { type: "file", id: inputId, multiple: "", accept: "image/*,video/*", class: "hash-picker__input" });
    this.hidden = el("input", { type: "hidden", name: this.root.dataset.fieldName || "file_hashes", value: "[]" });
    this.list = el("ul", { class: "hash-picker__list", "aria-live": "polite" });
    this.notice = el("p", { class: "hash-picker__waiting", role: "status", "data-picker-waiting": "" });
    this.notice.hidden = true;
    this.root.classList.add("hash-picker");
    this.root.append(
      el("label", { for: inputId, class: "hash-picker__label", text: TEXT.choose }),
      this.input,
      el("p", { class: "hash-picker__help", text: TEXT.help }),
      this.notice,
      this.list,
      this.hidden,
    );
    this.input.addEventListener("change", () => {
      for (const file of this.input.files) this.add(file);
      this.input.value = "";
    });
  }

  add(file) {
    const entry = { id: this.nextId++, file, state: "waiting", hashes: null };
    const isImage = file.type.startsWith("image/");
    entry.url = isImage ? URL.createObjectURL(file) : null;
    entry.thumb = isImage
      ? el("img", { class: "hash-picker__thumb is-blurred", src: entry.url, alt: "", draggable: "false" })
      : el("div", { class: "hash-picker__thumb hash-picker__thumb--file", text: file.type.startsWith("video/") ? TEXT.video : TEXT.file });
    entry.reveal = isImage
      ? el("button", { type: "button", class: "hash-picker__reveal", "aria-pressed": "false", text: TEXT.show })
      : null;
    entry.progress = el("progress", { class: "hash-picker__progress", max: "100", value: "0" });
    entry.status = el("p", { class: "hash-picker__status", text: TEXT.waiting });
    entry.details = el("div", { class: "hash-picker__details" });
    entry.cancel = el("button", { type: "button", class: "hash-picker__cancel", text: TEXT.cancel });
    entry.node = el(
      "li",
      { class: "hash-picker__item", "data-state": "waiting" },
      el("div", { class: "hash-picker__preview" }, entry.thumb, entry.reveal),
      el("div", { class: "hash-picker__body" }, el("p", { class: "hash-picker__name", text: file.name }), entry.progress, entry.status, entry.details),
      entry.cancel,
    );
    if (entry.reveal) {
      entry.reveal.addEventListener("click", () => {
        const blurred = entry.thumb.classList.toggle("is-blurred");
        entry.reveal.setAttribute("aria-pressed", String(!blurred));
        entry.reveal.textContent = blurred ? TEXT.show : TEXT.hide;
      });
    }
    entry.cancel.addEventListener("click", () => this.cancelOrRemove(entry));
    this.entries.push(entry);
    this.list.append(entry.node);
    this.queue.push(entry);
    this.pump();
  }

  setState(entry, state, text) {
    entry.state = state;
    entry.node.dataset.state = state;
    entry.status.textContent = text;
    if (state !== "waiting" && state !== "working") entry.cancel.textContent = TEXT.remove;
  }

  pump() {
    if (this.pendingSubmit) {
      if (this.busy) this.showWaiting();
      else queueMicrotask(() => this.releaseSubmit());
    }
    if (this.active || this.queue.length === 0) return;
    const entry = this.queue.shift();
    this.active = entry;
    this.setState(entry, "working", TEXT.working);
    // One worker per file, so cancelling is simply terminating it, even mid-computation.
    const worker = new Worker(this.workerUrl, { type: "module" });
    entry.worker = worker;
    worker.onmessage = ({ data }) => {
      if (data.type === "progress") {
        entry.progress.value = Math.round(data.fraction * 100);
        return;
      }
      worker.terminate();
      entry.worker = null;
      this.active = null;
      if (data.type === "done") this.finish(entry, data.hashes);
      else this.setState(entry, "error", `${TEXT.errors[data.code] || data.message || TEXT.failed} ${TEXT.notSent}`);
      this.pump();
    };
    worker.onerror = () => {
      worker.terminate();
      entry.worker = null;
      this.active = null;
      this.setState(entry, "error", TEXT.failed);
      this.pump();
    };
    worker.postMessage({ id: entry.id, file: entry.file });
  }

  finish(entry, hashes) {
    entry.hashes = hashes;
    entry.progress.value = 100;
    this.setState(entry, "done", TEXT.done);
    const { made, warnings } = describeHashes(hashes);
    // Plain words first ("Fingerprint made"); which kinds were made, with their technical names, behind a disclosure.
    entry.details.replaceChildren(
      el(
        "details",
        { class: "hash-picker__technical" },
        el("summary", { text: TEXT.details }),
        el("ul", { class: "hash-picker__made" }, ...made.map((text) => el("li", { text }))),
      ),
      ...warnings.map((w) => el("p", { class: "hash-picker__warning", "data-warning": w.code, text: w.text })),
    );
    this.publish();
  }

  cancelOrRemove(entry) {
    if (entry.state === "working" && entry.worker) {
      entry.worker.terminate();
      entry.worker = null;
      this.active = null;
      this.setState(entry, "cancelled", TEXT.cancelled);
      this.pump();
      return;
    }
    if (entry.state === "waiting") {
      this.queue = this.queue.filter((queued) => queued !== entry);
      this.setState(entry, "cancelled", TEXT.cancelled);
      this.pump();
      return;
    }
    if (entry.url) URL.revokeObjectURL(entry.url);
    entry.node.remove();
    this.entries = this.entries.filter((e) => e !== entry);
    this.publish();
  }

  /** The finished files' hashes, as they go into the form (no file names, no pixels). */
  get value() {
    return this.entries
      .filter((entry) => entry.state === "done")
      .map(({ hashes }) => {
        const sent = {
          pdq: hashes.pdq,
          pdq_quality: hashes.pdq_quality,
          pdq_oriented: hashes.pdq_oriented,
          pdq_dihedral: hashes.pdq_dihedral,
          phash: hashes.phash,
          md5: hashes.md5,
          sha256: hashes.sha256,
          approximate: hashes.approximate,
        };
        // A video (hashFile gave it the vPDQ fields, even when it could not decode it): its frame
        // hashes and size, never a frame.
        if ("vpdq" in hashes) {
          Object.assign(sent, {
            media_kind: "video",
            vpdq: hashes.vpdq,
            video: hashes.video,
            vpdq_error: hashes.vpdq_error,
          });
        }
        return sent;
      });
  }

  get busy() {
    return this.active !== null || this.queue.length > 0;
  }

  publish() {
    const files = this.value;
    this.hidden.value = JSON.stringify(files);
    this.root.dispatchEvent(new CustomEvent("hashpicker:change", { bubbles: true, detail: { files } }));
  }
}

/** Mount a picker on every [data-hash-picker] element under `scope`. */
export function mountHashPickers(scope = document) {
  return [...scope.querySelectorAll("[data-hash-picker]")].map((root) => {
    if (!root.hashPicker) root.hashPicker = new HashPicker(root);
    return root.hashPicker;
  });
}
