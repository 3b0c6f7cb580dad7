// The zone editor: polygons (zones, motion masks, privacy masks) drawn in an SVG over
// the camera's newest frame, saved to the hub's YAML through the settings API.
// Mouse/touch: click to add a point to the selected polygon, drag a point to move it.
// Keyboard: focus the picture and press Enter to add a point; Tab to a point, move it
// with the arrow keys (Shift: 10 times further), Enter adds a point after it, Delete
// removes it. Every point has a label saying where it is, for screen readers.
(function () {
  "use strict";
  const root = document.getElementById("zone-editor");
  if (!root) return;
  const SVG = "http://www.w3.org/2000/svg";
  const camera = root.dataset.camera;
  const width = Number(root.dataset.width) || 640;
  const height = Number(root.dataset.height) || 360;
  const editable = root.dataset.editable === "yes";
  const svg = document.getElementById("zone-svg");
  const stage = svg.parentElement;
  const kindSelect = document.getElementById("zone-kind");
  const list = document.getElementById("polygon-list");
  const nameInput = document.getElementById("zone-name");
  const requiredBox = document.getElementById("zone-required");
  const props = document.getElementById("zone-props");
  const status = document.getElementById("zone-status");
  const saveButton = document.getElementById("save-zones");
  const csrf = document.querySelector('meta[name="csrf-token"]');
  const KIND_WORDS = { zone: "zone", motion: "motion mask", privacy: "privacy mask" };
  let version = root.dataset.version;
  let polygons = [];
  let selected = -1;
  let dragging = null;
  let focusAfter = null;

  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  stage.style.aspectRatio = `${width} / ${height}`;
  const picture = document.getElementById("zone-picture");
  picture.addEventListener("error", () => picture.classList.add("missing"));

  function say(text, bad) {
    status.textContent = text;
    status.className = bad ? "alert" : "notice";
  }

  function title(poly, index) {
    if (poly.kind === "zone") return `zone ${poly.name || "(unnamed)"}`;
    const same = polygons.filter((p) => p.kind === poly.kind);
    return `${KIND_WORDS[poly.kind]} ${same.indexOf(poly) + 1}`;
  }

  function percent(v) {
    return `${Math.round(v * 100)}%`;
  }

  function clamp(v) {
    return Math.min(1, Math.max(0, v));
  }

  function relative(event) {
    const rect = svg.getBoundingClientRect();
    return [clamp((event.clientX - rect.left) / rect.width), clamp((event.clientY - rect.top) / rect.height)];
  }

  function nextZoneName() {
    const names = new Set(polygons.filter((p) => p.kind === "zone").map((p) => p.name));
    let n = 1;
    while (names.has(`zone${n}`)) n += 1;
    return `zone${n}`;
  }

  function newPolygon(kind) {
    const poly = { kind: kind, points: [], name: kind === "zone" ? nextZoneName() : "", required: false, objects: null };
    polygons.push(poly);
    selected = polygons.length - 1;
    render();
    say(`New ${title(poly)}: add at least 3 points.`);
    return poly;
  }

  function current() {
    return selected >= 0 ? polygons[selected] : null;
  }

  function addPoint(point, after) {
    let poly = current();
    if (!poly || poly.kind !== kindSelect.value) poly = newPolygon(kindSelect.value);
    const at = after === undefined ? poly.points.length : after + 1;
    poly.points.splice(at, 0, point);
    focusAfter = at;
    render();
    say(`Point ${at + 1} of ${title(poly)} added at ${percent(point[0])}, ${percent(point[1])}.`);
  }

  function renderList() {
    list.replaceChildren();
    polygons.forEach((poly, index) => {
      const option = document.createElement("option");
      option.value = String(index);
      option.textContent = `${title(poly)} (${poly.points.length} points)`;
      option.selected = index === selected;
      list.append(option);
    });
    list.disabled = polygons.length === 0;
    const poly = current();
    props.hidden = !poly || poly.kind !== "zone";
    if (poly && poly.kind === "zone") {
      nameInput.value = poly.name;
      requiredBox.checked = poly.required;
    }
    if (poly) kindSelect.value = poly.kind;
  }

  function render() {
    svg.replaceChildren();
    polygons.forEach((poly, index) => {
      const shape = document.createElementNS(SVG, poly.points.length >= 3 ? "polygon" : "polyline");
      shape.setAttribute("points", poly.points.map(([x, y]) => `${x * width},${y * height}`).join(" "));
      shape.setAttribute("class", `shape kind-${poly.kind}${index === selected ? " selected" : ""}`);
      svg.append(shape);
      if (poly.kind === "zone" && poly.points.length) {
        const label = document.createElementNS(SVG, "text");
        label.setAttribute("x", String(poly.points[0][0] * width + 6));
        label.setAttribute("y", String(poly.points[0][1] * height - 6));
        label.setAttribute("class", "zone-label");
        label.setAttribute("font-size", String(15 * (width / (svg.clientWidth || width))));
        label.textContent = poly.name + (poly.required ? " (required)" : "");
        svg.append(label);
      }
    });
    const poly = current();
    if (poly) {
      poly.points.forEach(([x, y], i) => {
        const dot = document.createElementNS(SVG, "circle");
        dot.setAttribute("cx", String(x * width));
        dot.setAttribute("cy", String(y * height));
        // About 11 CSS pixels whatever the picture's size: big enough for a finger.
        const perPixel = width / (svg.clientWidth || width);
        dot.setAttribute("r", String(11 * perPixel));
        dot.setAttribute("class", "handle");
        dot.setAttribute("tabindex", "0");
        dot.setAttribute("role", "button");
        dot.setAttribute("aria-label", `Point ${i + 1} of ${title(poly)}, at ${percent(x)} across, ${percent(y)} down`);
        dot.dataset.index = String(i);
        svg.append(dot);
      });
    }
    renderList();
    if (focusAfter !== null) {
      const dot = svg.querySelector(`circle[data-index="${focusAfter}"]`);
      focusAfter = null;
      if (dot) dot.focus();
    }
  }

  svg.addEventListener("pointerdown", (event) => {
    const target = event.target;
    if (target instanceof SVGCircleElement) {
      dragging = Number(target.dataset.index);
      svg.setPointerCapture(event.pointerId);
      event.preventDefault();
    }
  });
  svg.addEventListener("pointermove", (event) => {
    if (dragging === null) return;
    const poly = current();
    poly.points[dragging] = relative(event);
    const dot = svg.querySelector(`circle[data-index="${dragging}"]`);
    render();
    if (dot) focusAfter = null;
  });
  svg.addEventListener("pointerup", (event) => {
    if (dragging !== null) {
      const index = dragging;
      dragging = null;
      const poly = current();
      say(`Point ${index + 1} of ${title(poly)} moved to ${percent(poly.points[index][0])}, ${percent(poly.points[index][1])}.`);
      return;
    }
    if (event.target instanceof SVGCircleElement) return;
    addPoint(relative(event));
  });

  svg.addEventListener("keydown", (event) => {
    const target = event.target;
    const poly = current();
    if (target === svg) {
      if (event.key === "Enter") {
        event.preventDefault();
        addPoint([0.5, 0.5]);
      }
      return;
    }
    if (!(target instanceof SVGCircleElement) || !poly) return;
    const index = Number(target.dataset.index);
    const step = event.shiftKey ? 0.05 : 0.005;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (event.key in moves) {
      event.preventDefault();
      const [dx, dy] = moves[event.key];
      const [x, y] = poly.points[index];
      poly.points[index] = [clamp(x + dx), clamp(y + dy)];
      focusAfter = index;
      render();
      say(`Point ${index + 1} at ${percent(poly.points[index][0])}, ${percent(poly.points[index][1])}.`);
    } else if (event.key === "Delete" || event.key === "Backspace") {
      event.preventDefault();
      poly.points.splice(index, 1);
      focusAfter = poly.points.length ? Math.min(index, poly.points.length - 1) : null;
      render();
      say(`Point ${index + 1} of ${title(poly)} deleted.`);
      if (!poly.points.length) svg.focus();
    } else if (event.key === "Enter") {
      event.preventDefault();
      const next = poly.points[(index + 1) % poly.points.length];
      const [x, y] = poly.points[index];
      addPoint([(x + next[0]) / 2, (y + next[1]) / 2], index);
    }
  });

  document.getElementById("new-polygon").addEventListener("click", () => newPolygon(kindSelect.value));
  document.getElementById("delete-polygon").addEventListener("click", () => {
    const poly = current();
    if (!poly) return;
    polygons.splice(selected, 1);
    selected = polygons.length ? polygons.length - 1 : -1;
    render();
    say(`${title(poly)} deleted; save to keep the change.`);
  });
  list.addEventListener("change", () => {
    selected = Number(list.value);
    render();
  });
  kindSelect.addEventListener("change", () => {
    const poly = current();
    if (poly && poly.kind !== kindSelect.value) {
      const same = polygons.findIndex((p) => p.kind === kindSelect.value);
      selected = same;
      render();
      kindSelect.value = kindSelect.value;
    }
  });
  nameInput.addEventListener("input", () => {
    const poly = current();
    if (poly && poly.kind === "zone") {
      poly.name = nameInput.value.trim();
      render();
      nameInput.focus();
    }
  });
  requiredBox.addEventListener("change", () => {
    const poly = current();
    if (poly && poly.kind === "zone") {
      poly.required = requiredBox.checked;
      render();
    }
  });

  function body() {
    const pts = (p) => p.points.map(([x, y]) => [Number(x.toFixed(4)), Number(y.toFixed(4))]);
    return {
      zones: polygons.filter((p) => p.kind === "zone").map((p) => ({
        name: p.name, points: pts(p), required: p.required, objects: p.objects,
      })),
      motion_masks: polygons.filter((p) => p.kind === "motion").map(pts),
      privacy_masks: polygons.filter((p) => p.kind === "privacy").map(pts),
    };
  }

  if (saveButton) {
    saveButton.addEventListener("click", async () => {
      saveButton.disabled = true;
      say("Saving…");
      try {
        const response = await fetch(`/api/settings/cameras/${camera}/areas`, {
          method: "PUT",
          headers: {
            "Content-Type": "application/json",
            "If-Match": `"${version}"`,
            "X-CSRF-Token": csrf ? csrf.content : "",
          },
          body: JSON.stringify(body()),
        });
        const answer = await response.json();
        if (!response.ok) {
          const detail = typeof answer.detail === "string" ? answer.detail
            : (answer.detail || []).map((d) => `${d.field}: ${d.message}`).join("; ");
          say(`Not saved: ${detail || answer.error}`, true);
          return;
        }
        version = answer.version;
        root.dataset.version = version;
        const restarted = answer.restarted.length ? " The camera restarted with them." : "";
        say(`Saved.${restarted}`);
      } catch (error) {
        say("The hub did not answer; nothing was saved.", true);
      } finally {
        saveButton.disabled = false;
      }
    });
  }

  async function load() {
    const response = await fetch(`/api/settings/cameras/${camera}/areas`);
    if (!response.ok) {
      say("Could not load the zones.", true);
      return;
    }
    const data = await response.json();
    if (data.version) version = data.version;
    polygons = [
      ...data.zones.map((z) => ({ kind: "zone", name: z.name, required: z.required, objects: z.objects, points: z.points })),
      ...data.motion_masks.map((p) => ({ kind: "motion", points: p })),
      ...data.privacy_masks.map((p) => ({ kind: "privacy", points: p })),
    ];
    selected = polygons.length ? 0 : -1;
    render();
    root.dataset.ready = "yes";
    if (!editable) say("Read only: this hub has no configuration file to save to.", true);
  }
  window.addEventListener("resize", () => render());
  load();
})();
