export function decodeGif() {
  return null;
}
