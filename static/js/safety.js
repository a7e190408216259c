// Quick exit: the button, or Shift pressed three times on its own, hides the page at once, ends the server
// session (a beacon to the sign-out URL: the status sign-in and any intake draft are gone) and replaces the
// page with a neutral site (QUICK_EXIT_URL); location.replace keeps this page out of the Back history.
// Pages are sent with Cache-Control: no-store, and a page the browser restores from its back/forward cache
// anyway is hidden and fetched again, so Back shows what the server now says: nothing of the case or draft.
const SHIFT_WINDOW_MS = 2000;
let shiftTaps = [];
let shiftDown = false;
let otherKeySinceShift = false;

function endSession() {
  const link = document.getElementById("quick-exit");
  const signOutUrl = link && link.dataset.signOutUrl;
  if (!signOutUrl) return;
  const body = new FormData();
  body.append("token", link.dataset.signOutToken || "");
  try {
    // A beacon is delivered even though the page is being left; keepalive fetch where beacons are missing.
    if (!(navigator.sendBeacon && navigator.sendBeacon(signOutUrl, body))) {
      fetch(signOutUrl, { method: "POST", body, credentials: "same-origin", keepalive: true }).catch(() => {});
    }
  } catch {
    // leaving matters more; the session also ends after 30 idle minutes
  }
}

function quickExit(url) {
  // Hide first: the content must be gone before the next page has even started loading.
  document.documentElement.classList.add("exiting");
  document.title = "Weather";
  endSession();
  try {
    sessionStorage.clear();
  } catch {
    // storage may be disabled; leaving matters more
  }
  window.location.replace(url);
}

function exitUrl() {
  const link = document.getElementById("quick-exit");
  return link ? link.dataset.exitUrl || link.href : null;
}

document.addEventListener("click", (event) => {
  // The header's button, and any other "leave now" link a page offers (data-quick-exit-link).
  const link = event.target.closest("#quick-exit, [data-quick-exit-link]");
  if (!link) return;
  event.preventDefault();
  quickExit(exitUrl());
});

// Only Shift taps count, not Shift held to type capitals: typing "HL-7F3K" must not leave the site.
document.addEventListener(
  "keydown",
  (event) => {
    if (event.key === "Shift") {
      if (!event.repeat) {
        shiftDown = true;
        otherKeySinceShift = false;
      }
      return;
    }
    otherKeySinceShift = true;
    shiftTaps = [];
  },
  true,
);

document.addEventListener(
  "keyup",
  (event) => {
    if (event.key !== "Shift" || !shiftDown) return;
    shiftDown = false;
    if (otherKeySinceShift) return;
    const url = exitUrl();
    if (!url) return;
    const now = performance.now();
    shiftTaps = shiftTaps.filter((t) => now - t < SHIFT_WINDOW_MS);
    shiftTaps.push(now);
    if (shiftTaps.length >= 3) quickExit(url);
  },
  true,
);

// Back after a quick exit must not bring a page back from memory with its content (a case, a draft being typed).
window.addEventListener("pageshow", (event) => {
  if (!event.persisted) return;
  document.documentElement.classList.add("exiting");
  window.location.reload();
});
