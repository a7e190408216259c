// The "shown once" page: write the reference and PIN down, copy them, or print them. Saving them as a file is
// offered last and only after a plain warning: a file lands in Downloads, a place an abuser may check.
const box = document.querySelector("[data-credentials]");
if (box) {
  const reference = () => document.getElementById("case-reference").textContent.trim();
  const pin = () => document.getElementById("case-pin").textContent.trim();
  const text = () =>
    `${box.dataset.fileTitle}\n${box.dataset.labelReference}: ${reference()}\n${box.dataset.labelPin}: ${pin()}\n`;
  const copyButton = box.querySelector("[data-copy]");
  const printButton = box.querySelector("[data-print]");
  const saveStart = box.querySelector("[data-save-start]");
  const warning = box.querySelector("[data-save-warning]");
  const status = box.querySelector("[data-copy-status]");

  printButton.hidden = false;
  saveStart.hidden = false;
  printButton.addEventListener("click", () => window.print());

  if (navigator.clipboard && window.isSecureContext) {
    copyButton.hidden = false;
    copyButton.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(text());
        status.textContent = status.dataset.copied;
      } catch {
        status.textContent = status.dataset.copyFailed;
      }
    });
  }

  saveStart.addEventListener("click", () => {
    warning.hidden = false;
    saveStart.setAttribute("aria-expanded", "true");
    warning.focus();
  });
  box.querySelector("[data-save-cancel]").addEventListener("click", () => {
    warning.hidden = true;
    saveStart.setAttribute("aria-expanded", "false");
    saveStart.focus();
  });
  box.querySelector("[data-save]").addEventListener("click", () => {
    const url = URL.createObjectURL(new Blob([text()], { type: "text/plain" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = box.dataset.fileName;
    document.body.append(link);
    link.click();
    link.remove();
    warning.hidden = true;
    saveStart.setAttribute("aria-expanded", "false");
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
}
