// Frontporch hub, a footage request's page: pick a range of a camera's recording on its
// bar (mouse, touch, or two sliders for the keyboard), and keep the "Picked" list of the
// consent form up to date. No framework and nothing from the internet; without this
// file the page still works: the date-and-time fields are the range, the list shows
// after the form is sent.
//
// Times in the fields are in one fixed UTC offset (data-offset, seconds), the hub's at
// the start of the window, which the page states; the server reads them the same way.
"use strict";

(function () {
  const form = document.getElementById("release-form");
  if (!form) return;
  const requestId = form.dataset.request;
  const picked = document.getElementById("picked");

  function toInput(seconds, offset) {
    return new Date(Math.floor(seconds + offset) * 1000).toISOString().slice(0, 19);
  }

  function fromInput(value, offset) {
    if (!value) return null;
    const text = value.length === 16 ? value + ":00Z" : value + "Z";
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? null : ms / 1000 - offset;
  }

  function previewUrl(camera, start, end) {
    const params = new URLSearchParams({ camera, start: start.toFixed(3), end: end.toFixed(3) });
    return `/requests/${encodeURIComponent(requestId)}/preview?${params}`;
  }

  function pickedItem(text, href) {
    const item = document.createElement("li");
    item.append(text + " ");
    const link = document.createElement("a");
    link.href = href;
    link.textContent = "Preview with privacy masks";
    item.append(link);
    return item;
  }

  function renderPicked() {
    if (!picked) return;
    const items = [];
    for (const box of form.querySelectorAll('input[name="event"]:checked')) {
      items.push(pickedItem(box.dataset.label, box.dataset.preview));
    }
    for (const picker of form.querySelectorAll(".span-picker")) {
      const range = picker.range && picker.range();
      if (range) {
        const [startText, endText] = [range.startValue.replace("T", " "), range.endValue.slice(11)];
        const seconds = Math.round(range.end - range.start);
        items.push(pickedItem(
          `${picker.dataset.camera}, range: ${startText} to ${endText} (${seconds} s)`,
          previewUrl(picker.dataset.camera, range.start, range.end),
        ));
      }
    }
    picked.replaceChildren(...items);
    if (!items.length) {
      const none = document.createElement("li");
      none.className = "muted";
      none.textContent = "Nothing picked.";
      picked.append(none);
    }
  }

  function slider(id, label, length) {
    const wrap = document.createElement("div");
    const text = document.createElement("label");
    text.htmlFor = id;
    text.textContent = label;
    const input = document.createElement("input");
    input.type = "range";
    input.id = id;
    input.min = "0";
    input.max = String(length);
    input.step = "1";
    input.value = "0";
    wrap.append(text, input);
    return [wrap, input];
  }

  function setUp(picker) {
    const camera = picker.dataset.camera;
    const windowStart = Number(picker.dataset.windowStart);
    const windowEnd = Number(picker.dataset.windowEnd);
    const offset = Number(picker.dataset.offset);
    const length = Math.floor(windowEnd - windowStart);
    const startField = picker.querySelector('input[name="range_start"]');
    const endField = picker.querySelector('input[name="range_end"]');
    const bar = picker.querySelector(".span-bar");
    const mark = picker.querySelector(".bar-pick");
    if (!startField || !endField || !bar || !mark || startField.disabled || length <= 0) return;

    const [startWrap, startSlider] = slider(`range-start-slider-${camera}`, `Start on ${camera}, by slider`, length);
    const [endWrap, endSlider] = slider(`range-end-slider-${camera}`, `End on ${camera}, by slider`, length);
    endSlider.value = String(length);
    const sliders = document.createElement("div");
    sliders.className = "range-inputs";
    sliders.append(startWrap, endWrap);
    picker.querySelector(".range-inputs").after(sliders);

    picker.range = function () {
      const start = fromInput(startField.value, offset);
      const end = fromInput(endField.value, offset);
      if (start === null || end === null || end <= start) return null;
      return { start, end, startValue: startField.value, endValue: endField.value };
    };

    function drawMark() {
      const range = picker.range();
      if (!range) {
        mark.setAttribute("width", "0");
        return;
      }
      const clamp = (t) => Math.min(Math.max(t, windowStart), windowEnd);
      const x = ((clamp(range.start) - windowStart) / (windowEnd - windowStart)) * 1000;
      const right = ((clamp(range.end) - windowStart) / (windowEnd - windowStart)) * 1000;
      mark.setAttribute("x", x.toFixed(2));
      mark.setAttribute("width", Math.max(right - x, 2).toFixed(2));
      startSlider.value = String(Math.round(clamp(range.start) - windowStart));
      endSlider.value = String(Math.round(clamp(range.end) - windowStart));
    }

    function setRange(start, end) {
      startField.value = toInput(Math.min(start, end), offset);
      endField.value = toInput(Math.max(start, end), offset);
      drawMark();
      renderPicked();
    }

    function fromSliders(moved) {
      let start = Number(startSlider.value);
      let end = Number(endSlider.value);
      if (start >= end) {
        if (moved === startSlider) end = Math.min(start + 1, length);
        else start = Math.max(end - 1, 0);
      }
      setRange(windowStart + start, windowStart + end);
    }

    startSlider.addEventListener("input", () => fromSliders(startSlider));
    endSlider.addEventListener("input", () => fromSliders(endSlider));
    for (const field of [startField, endField]) {
      field.addEventListener("change", () => {
        drawMark();
        renderPicked();
      });
    }

    let anchor = null;
    function timeAt(event) {
      const box = bar.getBoundingClientRect();
      const share = Math.min(Math.max((event.clientX - box.left) / box.width, 0), 1);
      return windowStart + Math.round(share * length);
    }
    bar.addEventListener("pointerdown", (event) => {
      anchor = timeAt(event);
      bar.setPointerCapture(event.pointerId);
      setRange(anchor, Math.min(anchor + 1, windowEnd));
    });
    bar.addEventListener("pointermove", (event) => {
      if (anchor === null) return;
      const at = timeAt(event);
      if (at !== anchor) setRange(anchor, at);
    });
    for (const type of ["pointerup", "pointercancel"]) {
      bar.addEventListener(type, () => {
        anchor = null;
      });
    }
    drawMark();
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const picker of form.querySelectorAll(".span-picker")) setUp(picker);
    for (const box of form.querySelectorAll('input[name="event"]')) {
      box.addEventListener("change", renderPicked);
    }
  });
})();
