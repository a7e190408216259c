// The "shown once" page: print the reference and PIN, or save them as a small text file on this device.
const box = document.querySelector("[data-credentials]");
if (box) {
  const printButton = box.querySelector("[data-print]");
  const saveButton = box.querySelector("[data-save]");
  printButton.hidden = false;
  saveButton.hidden = false;
  printButton.addEventListener("click", () => window.print());
  saveButton.addEventListener("click", () => {
    const reference = document.getElementById("case-reference").textContent.trim();
    const pin = document.getElementById("case-pin").textContent.trim();
    const text = `${box.dataset.fileTitle}\n${box.dataset.labelReference}: ${reference}\n${box.dataset.labelPin}: ${pin}\n`;
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = box.dataset.fileName;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
}
