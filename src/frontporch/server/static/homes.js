// The hexagon map of the add-a-home page: choose a hexagon by click or arrow keys; the
// form's hidden `cell` field follows the choice. Nothing is chosen until the person
// chooses (or typed coordinates, whose cell the page selects); without this script,
// typing coordinates is the way. Nothing here is sent anywhere but that form.
"use strict";

function setupPicker(svg) {
  const tiles = [...svg.querySelectorAll("[data-cell]")];
  const input = document.getElementById(svg.dataset.input);
  const output = document.getElementById(svg.dataset.output);
  const spacing = (() => {
    // Distance between neighbouring centres: the smallest non-zero distance.
    let best = Infinity;
    const [first] = tiles;
    for (const t of tiles) {
      const d = Math.hypot(t.dataset.x - first.dataset.x, t.dataset.y - first.dataset.y);
      if (d > 0 && d < best) best = d;
    }
    return best;
  })();

  function choose(tile, focus) {
    for (const t of tiles) {
      const on = t === tile;
      t.classList.toggle("selected", on);
      t.setAttribute("aria-checked", on ? "true" : "false");
      t.setAttribute("tabindex", on ? "0" : "-1");
    }
    input.value = tile.dataset.cell;
    const where = tile.getAttribute("aria-label").split(", cell")[0];
    output.innerHTML = "";
    const code = document.createElement("code");
    code.textContent = tile.dataset.cell;
    output.append(code, ` (${where})`);
    if (focus) tile.focus();
  }

  function neighbour(tile, dx, dy) {
    const x = Number(tile.dataset.x);
    const y = Number(tile.dataset.y);
    let best = null;
    let bestScore = Infinity;
    for (const t of tiles) {
      const vx = t.dataset.x - x;
      const vy = t.dataset.y - y;
      const d = Math.hypot(vx, vy);
      if (d === 0 || d > spacing * 1.6) continue;
      const cos = (vx * dx + vy * dy) / d;
      if (cos < 0.3) continue;
      const score = d * (2 - cos);
      if (score < bestScore) {
        bestScore = score;
        best = t;
      }
    }
    return best;
  }

  const moves = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
  for (const tile of tiles) {
    tile.addEventListener("click", () => choose(tile, true));
    tile.addEventListener("keydown", (event) => {
      if (event.key === " " || event.key === "Enter") {
        event.preventDefault();
        choose(tile, true);
        return;
      }
      const move = moves[event.key];
      if (!move) return;
      event.preventDefault();
      const next = neighbour(tile, move[0], move[1]);
      if (next) choose(next, true);
    });
  }
}

function setupLocationButton() {
  const button = document.getElementById("use-location");
  if (!button || !("geolocation" in navigator) || !window.isSecureContext) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        document.getElementById("latitude").value = position.coords.latitude.toFixed(6);
        document.getElementById("longitude").value = position.coords.longitude.toFixed(6);
        button.disabled = false;
      },
      () => {
        button.disabled = false;
      },
      { enableHighAccuracy: false, timeout: 10000 },
    );
  });
}

document.addEventListener("DOMContentLoaded", () => {
  for (const svg of document.querySelectorAll("svg.hexmap.picker")) setupPicker(svg);
  setupLocationButton();
});
