// The removal board: copy buttons for request texts and form fields, and deadline countdowns that stay
// current while the page is open. Loaded as a module; no inline script (the CSP forbids it).
const copyStatus = document.querySelector("[data-copy-status]");

function announce(text) {
  if (copyStatus) copyStatus.textContent = text;
}

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Plain-HTTP local demo: the Clipboard API needs a secure context, so fall back to a selection.
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "visually-hidden";
  document.body.append(area);
  area.select();
  document.execCommand("copy");
  area.remove();
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  const label = button.textContent;
  try {
    await copyText(source.textContent);
    button.textContent = "Copied";
    announce("Copied to the clipboard.");
  } catch {
    button.textContent = "Copy failed: select the text";
    announce("Could not copy; select the text and copy it by hand.");
  }
  setTimeout(() => {
    button.textContent = label;
  }, 2000);
});

function describe(ms) {
  const minutes = Math.round(Math.abs(ms) / 60000);
  const hours = Math.floor(minutes / 60);
  const text = hours >= 1 ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
  return ms >= 0 ? `due in ${text}` : `overdue by ${text}`;
}

function tick() {
  const now = Date.now();
  for (const time of document.querySelectorAll("time[data-deadline]")) {
    const ms = Date.parse(time.getAttribute("datetime")) - now;
    if (!Number.isNaN(ms)) {
      time.textContent = describe(ms);
      time.classList.toggle("is-overdue", ms < 0);
    }
  }
}

tick();
setInterval(tick, 60000);
