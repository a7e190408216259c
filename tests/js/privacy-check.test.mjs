// The photo privacy check's date: EXIF's "2017:11:07 22:14:06" becomes a readable date in the page's language.
import assert from "node:assert/strict";
import { test } from "node:test";

import { formatExifDate } from "../../static/js/privacy-check.js";

test("an EXIF date and time reads as a date in English, with the camera's time unchanged", () => {
  const text = formatExifDate("2017:11:07 22:14:06", "en-GB");
  assert.match(text, /7 November 2017/);
  assert.match(text, /22:14/);
  assert.ok(!text.includes("2017:11:07"), text);
});

test("the same date reads in Spanish on a Spanish page", () => {
  const text = formatExifDate("2017:11:07 22:14:06", "es");
  assert.match(text, /7 de noviembre de 2017/);
  assert.match(text, /22:14/);
});

test("a value that is not a real date is shown as found, not invented", () => {
  assert.equal(formatExifDate("2017:02:30 10:00:00", "en"), "2017:02:30 10:00:00");
  assert.equal(formatExifDate("    :  :     :  :  ", "en"), "    :  :     :  :  ");
  assert.equal(formatExifDate("yesterday", "es"), "yesterday");
});
