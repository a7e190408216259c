// Evidence screenshots are shown blurred; "Reveal" toggles the blur for one screenshot at a time.
// Without JavaScript the buttons stay hidden and "Open full size" links still work.
for (const button of document.querySelectorAll("[data-evidence-reveal]")) {
  button.hidden = false;
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-evidence-reveal]");
  if (!button) return;
  const figure = button.closest(".evidence");
  if (!figure) return;
  const revealed = figure.classList.toggle("is-revealed");
  button.setAttribute("aria-pressed", revealed ? "true" : "false");
  button.textContent = revealed ? "Blur again" : "Reveal";
});
