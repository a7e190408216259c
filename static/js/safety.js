// Quick exit: the button, or Shift pressed three times, hides the page at once and replaces it
// with a neutral site; location.replace keeps this page out of the Back history.
const SHIFT_WINDOW_MS = 1500;
let shiftTimes = [];

function quickExit(url) {
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
  return link ? link.dataset.exitUrl : null;
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("#quick-exit");
  if (!link) return;
  event.preventDefault();
  quickExit(link.dataset.exitUrl);
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Shift" || event.repeat) return;
  const url = exitUrl();
  if (!url) return;
  const now = performance.now();
  shiftTimes = shiftTimes.filter((t) => now - t < SHIFT_WINDOW_MS);
  shiftTimes.push(now);
  if (shiftTimes.length >= 3) quickExit(url);
});
