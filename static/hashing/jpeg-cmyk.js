// Placeholder until the CMYK path is measured.
export function decodeCmykJpeg() {
  return null;
}
