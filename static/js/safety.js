// Quick exit: the button, or Shift pressed three times on its own, hides the page at once and replaces
// it with a neutral site (QUICK_EXIT_URL); location.replace keeps this page out of the Back history.
const SHIFT_WINDOW_MS = 2000;
let shiftTaps = [];
let shiftDown = false;
let otherKeySinceShift = false;

function quickExit(url) {
  // Hide first: the content must be gone before the next page has even started loading.
  document.documentElement.classList.add("exiting");
  document.title = "Weather";
  try {
    sessionStorage.clear();
  } catch (e) {
    // storage may be disabled; leaving matters more
  }
  window.location.replace(url);
}

function exitUrl() {
  const link = document.getElementById("quick-exit");
  return link ? link.dataset.exitUrl || link.href : null;
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("#quick-exit");
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
